using SpeechSeparation.Serialization;

namespace SpeechSeparation.Tests;

/// <summary><see cref="ModelPackage.LoadWeights"/>: every model form the loader accepts, weights only.</summary>
public class ModelWeightsTests
{
    private static void AssertSameWeights(IReadOnlyDictionary<string, HostTensor> expected, IReadOnlyDictionary<string, HostTensor> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, t) in expected)
        {
            Assert.Equal(t.Shape, actual[name].Shape);
            Assert.Equal(t.ToFloatArray(), actual[name].ToFloatArray());
        }
    }

    [Fact]
    public void DefaultModelByNameByExportedFolderAndByMetadataFile()
    {
        IReadOnlyDictionary<string, HostTensor> embedded;
        using (var w = DefaultModel.OpenWeights()) embedded = SafeTensors.Load(w, out _);
        AssertSameWeights(embedded, ModelPackage.LoadWeights(DefaultModel.Id));
        var dir = Directory.CreateTempSubdirectory("speechsep-weights").FullName;
        try
        {
            DefaultModel.Export(dir);
            AssertSameWeights(embedded, ModelPackage.LoadWeights(dir));
            AssertSameWeights(embedded, ModelPackage.LoadWeights(Path.Combine(dir, ModelPackage.MetadataFile)));
            AssertSameWeights(embedded, ModelPackage.LoadWeights(Path.Combine(dir, ModelPackage.WeightsFile)));   // bare safetensors file
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void ModelScopeThreeFileFolderGetsTheModulePrefixes()
    {
        var src = TestPaths.Fixture("mossformer_ms_tiny");
        var dir = Directory.CreateTempSubdirectory("speechsep-weights").FullName;
        try
        {
            foreach (var f in new[] { "encoder.bin", "decoder.bin", "masknet.bin" }) File.Copy(Path.Combine(src, f), Path.Combine(dir, f));
            var weights = ModelPackage.LoadWeights(dir);                // no configuration.json needed for weights
            var whole = StateDict.Load(Path.Combine(src, "state_dict.pt"));
            AssertSameWeights(whole, weights);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void NothingUsableIsNamedInTheException()
    {
        var dir = Directory.CreateTempSubdirectory("speechsep-weights").FullName;
        try
        {
            var e = Assert.Throws<FileNotFoundException>(() => ModelPackage.LoadWeights(dir));
            Assert.Contains(dir, e.Message);
            Assert.Contains("pytorch_model.bin", e.Message);
            var missing = Path.Combine(dir, "absent.pt");
            e = Assert.Throws<FileNotFoundException>(() => ModelPackage.LoadWeights(missing));
            Assert.Contains(missing, e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
