namespace SpeechSeparation.Evaluation;

/// <summary>One utterance of an evaluation dataset: files of the mixture, the references and (files mode) the estimates.</summary>
/// <param name="Id">Utterance identifier (file name without extension, or the manifest's <c>id</c>).</param>
/// <param name="MixturePath">The mixture (noisy) file; needed for improvements and model-driven evaluation.</param>
/// <param name="ReferencePaths">Clean reference file per source (one for enhancement).</param>
/// <param name="EstimatePaths">Estimated source files (files mode), or null when a model produces the estimates.</param>
public sealed record EvaluationItem(string Id, string? MixturePath, IReadOnlyList<string> ReferencePaths, IReadOnlyList<string>? EstimatePaths);
