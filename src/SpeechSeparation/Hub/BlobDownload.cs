using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace SpeechSeparation.Hub;

/// <summary>How a downloaded file is checked beyond its size.</summary>
internal enum Checksum
{
    /// <summary>Size only (the hub announced no hash).</summary>
    None,
    /// <summary>SHA-256 of the content (Hugging Face LFS ETags, ModelScope <c>Sha256</c>).</summary>
    Sha256,
    /// <summary>Git's blob hash: SHA-1 of <c>"blob &lt;size&gt;\0"</c> followed by the content (Hugging Face ETags of regular files).</summary>
    GitBlobSha1,
}

/// <summary>Bytes done over bytes to do, reported as a fraction.</summary>
internal sealed class ByteProgress(IProgress<double>? target, long total)
{
    private long _done;
    public void Add(long bytes)
    {
        if (target is null || total <= 0) return;
        _done += bytes;
        target.Report(Math.Min(1.0, (double)_done / total));
    }
}

/// <summary>
/// A verified, resumable, locked download: bytes go to an <c>.incomplete</c> file (resumed with <c>Range</c> when one is
/// left over), their count is held to the announced size while they stream to disk, the hash is checked, and only then
/// is the file moved to its place. A mismatching file is deleted.
/// </summary>
internal static class BlobDownload
{
    /// <summary>Transfers that break off are resumed this many times within one call.</summary>
    public const int MaxAttempts = 4;

    private const int BufferSize = 1 << 16;

    /// <summary>
    /// Takes the lock file <paramref name="lockPath"/> (opened exclusively: an advisory <c>flock</c> on Unix, as Python's
    /// <c>filelock</c> takes), waiting while another process or download holds it.
    /// </summary>
    public static async Task<FileStream> LockAsync(string lockPath, ILogger logger, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        bool logged = false;
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            try { return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None); }
            catch (IOException) when (File.Exists(lockPath))
            {
                if (!logged) logger.LogInformation("Waiting for {Lock}: another download of this file is running", lockPath);
                logged = true;
                await Task.Delay(100, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The hash of a file in the form <paramref name="kind"/> uses (lower-case hex), or null for <see cref="Checksum.None"/>.</summary>
    public static string? Hash(string file, Checksum kind, CancellationToken ct = default)
    {
        if (kind == Checksum.None) return null;
        using var hash = Start(kind, new FileInfo(file).Length);
        using var s = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize);
        Feed(hash, s, long.MaxValue, ct);
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static IncrementalHash Start(Checksum kind, long size)
    {
        if (kind == Checksum.Sha256) return IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        h.AppendData(Encoding.ASCII.GetBytes($"blob {size}\0"));
        return h;
    }

    private static long Feed(IncrementalHash hash, Stream s, long count, CancellationToken ct)
    {
        var buffer = new byte[BufferSize];
        long total = 0;
        while (total < count)
        {
            ct.ThrowIfCancellationRequested();
            int n = s.Read(buffer, 0, (int)Math.Min(buffer.Length, count - total));
            if (n == 0) break;
            hash.AppendData(buffer, 0, n);
            total += n;
        }
        return total;
    }

    /// <summary>
    /// Downloads <paramref name="url"/> into <paramref name="target"/> by way of <paramref name="incomplete"/>.
    /// </summary>
    /// <param name="http">The client.</param>
    /// <param name="url">Where the bytes are (redirects followed under <see cref="HubHttp"/>'s rules).</param>
    /// <param name="what">The file, for messages (<c>hf:ORG/NAME: path</c>).</param>
    /// <param name="id">The repository, for error mapping.</param>
    /// <param name="size">The announced size.</param>
    /// <param name="kind">The checksum kind.</param>
    /// <param name="expected">The expected checksum (lower-case hex) for <paramref name="kind"/>.</param>
    /// <param name="incomplete">The partial file (kept when a transfer breaks off, so that the next call resumes).</param>
    /// <param name="target">Where the verified file is moved.</param>
    /// <param name="progress">Bytes received.</param>
    /// <param name="logger">Logging.</param>
    /// <param name="ct">Cancellation (the partial file is kept).</param>
    public static async Task DownloadAsync(HubHttp http, Uri url, string what, HubModelId id, long size, Checksum kind, string? expected,
                                           string incomplete, string target, ByteProgress? progress, ILogger logger, CancellationToken ct)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(incomplete)!);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (have > size)
        {
            File.Delete(incomplete);
            have = 0;
        }
        if (have > 0) logger.LogInformation("Resuming {What} from byte {Have} of {Size}", what, have, size);
        progress?.Add(have);
        for (int attempt = 1; have < size; attempt++)
        {
            try
            {
                have = await TransferAsync(http, url, what, id, size, incomplete, have, progress, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException and not HubException or HttpRequestException && !ct.IsCancellationRequested)
            {
                have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
                if (attempt >= MaxAttempts)
                    throw new HubException($"{what}: the download broke off after {have} of {size} bytes ({e.Message}); the partial file {incomplete} is kept and the next download resumes from it.", HubErrorKind.Other, null, e);
                logger.LogWarning("{What}: transfer broke off after {Have} of {Size} bytes ({Error}); resuming", what, have, size, e.Message);
                continue;
            }
            if (have < size)
            {
                if (attempt >= MaxAttempts)
                    throw new HubException($"{what}: the server sent {have} of the announced {size} bytes (truncated); the partial file {incomplete} is kept and the next download resumes from it.", HubErrorKind.Other);
                logger.LogWarning("{What}: the response ended after {Have} of {Size} bytes; resuming", what, have, size);
            }
        }
        if (size == 0) await File.WriteAllBytesAsync(incomplete, [], ct).ConfigureAwait(false);
        var actual = new FileInfo(incomplete).Length;
        if (actual != size)
        {
            File.Delete(incomplete);
            throw new InvalidDataException($"{what}: {actual} bytes received where {size} were announced; the download was deleted.");
        }
        if (kind != Checksum.None)
        {
            var hash = Hash(incomplete, kind, ct);
            if (!string.Equals(hash, expected, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(incomplete);
                throw new InvalidDataException($"{what}: {(kind == Checksum.Sha256 ? "SHA-256" : "git blob SHA-1")} mismatch: expected {expected}, received {hash}; the download was refused and deleted.");
            }
        }
        File.Move(incomplete, target, overwrite: true);
        logger.LogInformation("Downloaded {What} ({Size} bytes, {Check})", what, size, kind == Checksum.None ? "size checked" : kind + " verified");
    }

    /// <summary>One GET; returns the bytes now in the partial file.</summary>
    private static async Task<long> TransferAsync(HubHttp http, Uri url, string what, HubModelId id, long size, string incomplete, long have, ByteProgress? progress, CancellationToken ct)
    {
        using var response = await http.SendAsync(HttpMethod.Get, url, have, _ => true, ct).ConfigureAwait(false);
        int code = (int)response.StatusCode;
        if (code == 416 && have > 0)
        {
            // The server holds no bytes after ours: what is there is complete or wrong; the checks decide.
            return have;
        }
        if (code is not (200 or 206)) throw HubHttp.Error(response, what, id);
        long start = 0;
        if (code == 206)
        {
            var range = response.Content.Headers.ContentRange;
            if (range?.From is not { } from || from != have)
                throw new HubException($"{what}: asked for bytes from {have}, the server sent {(range?.From?.ToString() ?? "no Content-Range")}.", HubErrorKind.Other, code);
            start = have;
        }
        else if (have > 0)
        {
            progress?.Add(-have);        // the server ignored Range: start again
        }
        if (response.Content.Headers.ContentLength is { } length && start + length != size)
            throw new InvalidDataException($"{what}: the server sends {start + length} bytes where {size} were announced; refused.");
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        await using var file = new FileStream(incomplete, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, BufferSize, useAsync: true);
        file.SetLength(start);
        file.Position = start;
        var buffer = new byte[BufferSize];
        long total = start;
        while (true)
        {
            int n = await http.WithinReadTimeout(t => body.ReadAsync(buffer, t).AsTask(), what, ct).ConfigureAwait(false);
            if (n == 0) break;
            if (total + n > size)
            {
                await file.DisposeAsync().ConfigureAwait(false);
                File.Delete(incomplete);
                throw new InvalidDataException($"{what}: the server sent more than the announced {size} bytes; the download was refused and deleted.");
            }
            await file.WriteAsync(buffer.AsMemory(0, n), ct).ConfigureAwait(false);
            total += n;
            progress?.Add(n);
        }
        await file.FlushAsync(ct).ConfigureAwait(false);
        return total;
    }

    /// <summary>Parses a size header; null when absent.</summary>
    /// <exception cref="InvalidDataException">Not a number, negative, or above <paramref name="max"/>.</exception>
    public static long? Size(string? value, long max, string what)
    {
        if (value is null) return null;
        if (!long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long n))
            throw new InvalidDataException($"{what}: the announced size '{(value.Length > 40 ? value[..40] : value)}' is not a non-negative number: refused.");
        return Check(n, max, what);
    }

    /// <summary>Checks an announced size against the cap.</summary>
    public static long Check(long size, long max, string what) =>
        size < 0 ? throw new InvalidDataException($"{what}: the announced size {size} is negative: refused.")
        : size > max ? throw new InvalidDataException($"{what}: the announced size {size} bytes exceeds the limit of {max} bytes (HubOptions.MaxFileBytes): refused.")
        : size;
}
