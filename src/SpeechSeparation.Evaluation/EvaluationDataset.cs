namespace SpeechSeparation.Evaluation;

/// <summary>
/// The utterances to evaluate, from a folder layout or a CSV manifest.
/// </summary>
/// <remarks>
/// <para><b>Folders</b>: <c>root/mix/</c> (or <c>mixture/</c>, <c>noisy/</c>) with <c>root/s1/</c>, <c>root/s2/</c>, … (separation)
/// or <c>root/clean/</c> (enhancement), matched by file name. Estimates (files mode) are found, in this order, as
/// <c>est/s1/NAME</c> (same layout as the references), <c>est/STEM_s1.wav</c>, or for one source <c>est/NAME</c>.</para>
/// <para><b>Manifest</b>: a CSV file with a header; columns <c>id</c> (optional), <c>mixture</c> (or <c>mix</c>, <c>noisy</c>),
/// <c>s1</c>..<c>sN</c> (or <c>clean</c>), and for files mode <c>e1</c>..<c>eN</c> (or <c>estimate</c>). Relative paths are
/// resolved against the manifest's folder. Fields may be double-quoted.</para>
/// </remarks>
public sealed class EvaluationDataset
{
    private static readonly string[] MixtureFolders = ["mix", "mixture", "noisy"];

    /// <summary>Creates a dataset from explicit items.</summary>
    public EvaluationDataset(IReadOnlyList<EvaluationItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count == 0) throw new ArgumentException("The dataset has no utterance.", nameof(items));
        Items = items;
    }

    /// <summary>The utterances.</summary>
    public IReadOnlyList<EvaluationItem> Items { get; }

    /// <summary>Reads a folder layout; <paramref name="estimatesRoot"/> is null for model-driven evaluation.</summary>
    /// <exception cref="DirectoryNotFoundException">A folder is missing.</exception>
    /// <exception cref="InvalidDataException">The layout is not recognised or an estimate file is missing.</exception>
    public static EvaluationDataset FromFolders(string root, string? estimatesRoot = null)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Dataset folder '{root}' does not exist.");
        if (estimatesRoot is not null && !Directory.Exists(estimatesRoot)) throw new DirectoryNotFoundException($"Estimates folder '{estimatesRoot}' does not exist.");
        string? mixDir = MixtureFolders.Select(m => Path.Combine(root, m)).FirstOrDefault(Directory.Exists);
        var refDirs = new List<(string Name, string Path)>();
        for (int k = 1; Directory.Exists(Path.Combine(root, $"s{k}")); k++) refDirs.Add(($"s{k}", Path.Combine(root, $"s{k}")));
        if (refDirs.Count == 0 && Directory.Exists(Path.Combine(root, "clean"))) refDirs.Add(("clean", Path.Combine(root, "clean")));
        if (refDirs.Count == 0)
            throw new InvalidDataException($"'{root}' has neither s1/, s2/, … nor clean/ reference folders (expected mix/ + s1/ + s2/ … or noisy/ + clean/).");
        var names = Directory.EnumerateFiles(refDirs[0].Path).Where(Audio.AudioFile.HasAudioExtension).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0) throw new InvalidDataException($"No audio file in '{refDirs[0].Path}'.");
        var items = new List<EvaluationItem>(names.Count);
        foreach (var name in names)
        {
            string stem = Path.GetFileNameWithoutExtension(name!);
            var refs = refDirs.Select(d => Path.Combine(d.Path, name!)).ToList();
            foreach (var r in refs)
                if (!File.Exists(r)) throw new InvalidDataException($"Reference '{r}' is missing (every reference folder must hold the same file names).");
            string? mix = mixDir is null ? null : Path.Combine(mixDir, name!);
            if (mix is not null && !File.Exists(mix)) throw new InvalidDataException($"Mixture '{mix}' is missing.");
            List<string>? ests = null;
            if (estimatesRoot is not null)
            {
                ests = new List<string>(refs.Count);
                for (int k = 0; k < refDirs.Count; k++)
                {
                    string[] candidates = refDirs.Count == 1
                        ? [Path.Combine(estimatesRoot, refDirs[k].Name, name!), Path.Combine(estimatesRoot, "s1", name!), Path.Combine(estimatesRoot, $"{stem}_s1.wav"), Path.Combine(estimatesRoot, name!)]
                        : [Path.Combine(estimatesRoot, refDirs[k].Name, name!), Path.Combine(estimatesRoot, $"{stem}_{refDirs[k].Name}.wav")];
                    var found = candidates.FirstOrDefault(File.Exists)
                        ?? throw new InvalidDataException($"No estimate for '{stem}' source {k + 1}; looked for {string.Join(", ", candidates.Select(c => $"'{c}'"))}.");
                    ests.Add(found);
                }
            }
            items.Add(new EvaluationItem(stem, mix, refs, ests));
        }
        return new EvaluationDataset(items);
    }

    /// <summary>Reads a CSV manifest (see the remarks for the columns).</summary>
    /// <exception cref="FileNotFoundException">The manifest does not exist.</exception>
    /// <exception cref="InvalidDataException">A required column is missing or a row is malformed.</exception>
    public static EvaluationDataset FromManifest(string csvPath, bool requireEstimates = true)
    {
        if (!File.Exists(csvPath)) throw new FileNotFoundException($"Manifest '{csvPath}' does not exist.", csvPath);
        string baseDir = Path.GetDirectoryName(Path.GetFullPath(csvPath))!;
        var lines = File.ReadAllLines(csvPath).Where(l => l.Trim().Length > 0).ToList();
        if (lines.Count < 2) throw new InvalidDataException($"Manifest '{csvPath}' needs a header and at least one row.");
        var header = SplitCsv(lines[0]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Col(params string[] names) => names.Select(n => header.IndexOf(n)).FirstOrDefault(i => i >= 0, -1);
        int idCol = Col("id", "utterance", "name");
        int mixCol = Col("mixture", "mix", "noisy");
        var refCols = new List<int>();
        for (int k = 1; Col($"s{k}", $"source{k}", $"ref{k}") is var c && c >= 0; k++) refCols.Add(c);
        if (refCols.Count == 0 && Col("clean", "reference", "s") is var cc && cc >= 0) refCols.Add(cc);
        if (refCols.Count == 0) throw new InvalidDataException($"Manifest '{csvPath}' has no reference column (s1, s2, … or clean).");
        var estCols = new List<int>();
        for (int k = 1; Col($"e{k}", $"est{k}", $"estimate{k}") is var c && c >= 0; k++) estCols.Add(c);
        if (estCols.Count == 0 && Col("estimate", "enhanced", "est") is var ec && ec >= 0) estCols.Add(ec);
        if (requireEstimates && estCols.Count != refCols.Count)
            throw new InvalidDataException($"Manifest '{csvPath}' has {refCols.Count} reference column(s) but {estCols.Count} estimate column(s) (e1, e2, … or estimate).");
        string Resolve(string p) => Path.IsPathRooted(p) ? p : Path.GetFullPath(Path.Combine(baseDir, p));
        var items = new List<EvaluationItem>();
        for (int row = 1; row < lines.Count; row++)
        {
            var f = SplitCsv(lines[row]);
            if (f.Count < header.Count) throw new InvalidDataException($"Manifest '{csvPath}' row {row + 1} has {f.Count} fields; the header has {header.Count}.");
            var refs = refCols.Select(c => Resolve(f[c].Trim())).ToList();
            string id = idCol >= 0 ? f[idCol].Trim() : Path.GetFileNameWithoutExtension(refs[0]);
            string? mix = mixCol >= 0 && f[mixCol].Trim().Length > 0 ? Resolve(f[mixCol].Trim()) : null;
            var ests = estCols.Count > 0 ? estCols.Select(c => Resolve(f[c].Trim())).ToList() : null;
            items.Add(new EvaluationItem(id, mix, refs, ests));
        }
        return new EvaluationDataset(items);
    }

    internal static List<string> SplitCsv(string line)
    {
        var fields = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char ch = line[i];
            if (quoted)
            {
                if (ch == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; }
                else if (ch == '"') quoted = false;
                else cur.Append(ch);
            }
            else if (ch == '"') quoted = true;
            else if (ch == ',') { fields.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(ch);
        }
        fields.Add(cur.ToString());
        return fields;
    }
}
