namespace SpeechSeparation.Conformance;

/// <summary>One compared output of a fixture run.</summary>
/// <param name="Name">Output name.</param>
/// <param name="MaxAbs">Largest absolute difference (NaN when not applicable).</param>
/// <param name="RelL2">Relative L2 error (NaN when not applicable).</param>
/// <param name="Passed">Whether every bound held.</param>
/// <param name="Detail">Tolerance or explanation.</param>
/// <param name="Skipped">Not compared on purpose (the reason is in <paramref name="Detail"/>); neither pass nor failure.</param>
public sealed record OutputCheck(string Name, double MaxAbs, double RelL2, bool Passed, string Detail, bool Skipped = false);

/// <summary>The result of running one fixture folder.</summary>
public sealed class FixtureReport
{
    private readonly List<OutputCheck> _checks = [];

    /// <summary>Creates an empty report for a fixture folder.</summary>
    public FixtureReport(string directory) => Directory = directory;

    /// <summary>The fixture folder.</summary>
    public string Directory { get; }

    /// <summary>The handler that ran it.</summary>
    public string Handler { get; set; } = "";

    /// <summary>Every compared output, in order.</summary>
    public IReadOnlyList<OutputCheck> Checks => _checks;

    /// <summary>True when at least one output was checked or skipped on purpose, and none failed.</summary>
    public bool Passed => _checks.Count > 0 && _checks.All(c => c.Passed || c.Skipped);

    /// <summary>Adds a check.</summary>
    public void Add(OutputCheck check) => _checks.Add(check);

    /// <summary>Compares arrays element-wise under a tolerance and records the result.</summary>
    public OutputCheck Compare(string name, ReadOnlySpan<double> got, ReadOnlySpan<double> expected, Tolerance tol)
    {
        if (got.Length != expected.Length)
        {
            var bad = new OutputCheck(name, double.NaN, double.NaN, false, $"length {got.Length} != expected {expected.Length}");
            _checks.Add(bad);
            return bad;
        }
        double maxAbs = 0, num = 0, den = 0, maxExp = 0;
        bool nanMismatch = false;
        for (int i = 0; i < got.Length; i++)
        {
            double g = got[i], e = expected[i];
            if (double.IsNaN(e) || double.IsInfinity(e) || double.IsNaN(g) || double.IsInfinity(g))
            {
                if (!(g.Equals(e))) nanMismatch = true;
                continue;
            }
            double d = Math.Abs(g - e);
            if (d > maxAbs) maxAbs = d;
            num += d * d;
            den += e * e;
            if (Math.Abs(e) > maxExp) maxExp = Math.Abs(e);
        }
        double rel = den > 0 ? Math.Sqrt(num / den) : (num == 0 ? 0 : double.PositiveInfinity);
        bool ok = !nanMismatch;
        if (tol.MaxAbs is { } a && !(maxAbs <= a)) ok = false;
        if (tol.RelL2 is { } r && !(rel <= r)) ok = false;
        if (tol.MaxAbsRelToMax is { } m && !(maxAbs <= m * (maxExp > 0 ? maxExp : 1))) ok = false;
        var check = new OutputCheck(name, maxAbs, rel, ok, nanMismatch ? "non-finite values differ; " + tol : tol.ToString());
        _checks.Add(check);
        return check;
    }

    /// <summary>Records an exact comparison of integer sequences (permutations, indices).</summary>
    public OutputCheck CompareExact(string name, ReadOnlySpan<long> got, ReadOnlySpan<long> expected)
    {
        bool ok = got.SequenceEqual(expected);
        var check = new OutputCheck(name, ok ? 0 : double.NaN, ok ? 0 : double.NaN, ok, ok ? "exact" : "differs (exact match required)");
        _checks.Add(check);
        return check;
    }

    /// <summary>Records an output that is deliberately not compared (e.g. PESQ, which the library does not ship).</summary>
    public void Skip(string name, string why) => _checks.Add(new OutputCheck(name, double.NaN, double.NaN, false, why, Skipped: true));

    /// <summary>Records a failure that produced no numbers (an exception, a missing file).</summary>
    public void Fail(string name, string why) => _checks.Add(new OutputCheck(name, double.NaN, double.NaN, false, why));

    /// <summary>Writes one line per output and a summary line.</summary>
    public void WriteTo(TextWriter w)
    {
        w.WriteLine($"{Directory} [{Handler}]");
        foreach (var c in _checks)
        {
            if (c.Skipped) { w.WriteLine($"  SKIP  {c.Name,-40} ({c.Detail})"); continue; }
            w.WriteLine($"  {(c.Passed ? "PASS" : "FAIL")}  {c.Name,-40} max_abs={c.MaxAbs:G4}  rel_l2={c.RelL2:G4}  ({c.Detail})");
        }
        int skipped = _checks.Count(c => c.Skipped);
        w.WriteLine($"  {(Passed ? "PASS" : "FAIL")}: {_checks.Count(c => c.Passed)} of {_checks.Count - skipped} outputs within tolerance" + (skipped > 0 ? $", {skipped} skipped" : ""));
    }
}
