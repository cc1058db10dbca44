using SpeechSeparation.Signal;

namespace SpeechSeparation.Tests;

/// <summary>
/// Real recorded speech from Debian packages installed by the test command (<c>./build.sh test</c>):
/// asterisk-core-sounds-en-wav (voice en_US_f_Allison), asterisk-core-sounds-it-wav (it_IT_m_Carlo) and
/// asterisk-core-sounds-ru-wav (ru_RU_f_IvrvoiceRU), 8 kHz.
/// Mixtures are built at test time; no audio is committed.
/// </summary>
internal static class RealSpeech
{
    public const string EnglishFemale = "/usr/share/asterisk/sounds/en_US_f_Allison";
    public const string ItalianMale = "/usr/share/asterisk/sounds/it_IT_m_Carlo";
    public const string RussianFemale = "/usr/share/asterisk/sounds/ru_RU_f_IvrvoiceRU";

    /// <summary>Prompts of one voice, shuffled by <paramref name="seed"/> and concatenated to <paramref name="seconds"/> at 8 kHz.</summary>
    public static float[] Voice(string folder, double seconds, int seed)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder} is missing: install asterisk-core-sounds-en-wav and asterisk-core-sounds-it-wav (./build.sh test does).");
        var files = Directory.GetFiles(folder, "*.wav", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(files);
        int n = (int)(seconds * 8000);
        var result = new float[n];
        int pos = 0;
        foreach (var f in files)
        {
            var a = Wav.Read(f);
            if (a.SampleRate != 8000) continue;
            var x = a.ToMono().Channel(0);
            int k = Math.Min(x.Length, n - pos);
            x[..k].CopyTo(result.AsSpan(pos));
            pos += k;
            if (pos >= n) break;
        }
        if (pos < n) throw new InvalidOperationException($"{folder} holds less than {seconds} s of 8 kHz speech.");
        return result;
    }
}
