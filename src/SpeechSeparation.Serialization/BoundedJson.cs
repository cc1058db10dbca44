using System.Text;
using System.Text.Json;

namespace SpeechSeparation.Serialization;

/// <summary>
/// Reads a small JSON document from an untrusted stream (model-package metadata, recipes): at most a given number of
/// bytes, strict UTF-8, bounded nesting; every failure is an <see cref="InvalidDataException"/> naming the source.
/// </summary>
public static class BoundedJson
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Parses the stream's JSON (the caller disposes the document).</summary>
    /// <param name="stream">The bytes.</param>
    /// <param name="maxBytes">The largest document accepted.</param>
    /// <param name="name">The source, for messages.</param>
    /// <param name="allowComments">Accept // and /* */ comments and trailing commas (recipes).</param>
    /// <exception cref="InvalidDataException">Too large, not UTF-8, or not JSON.</exception>
    public static JsonDocument Parse(Stream stream, int maxBytes, string name, bool allowComments = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk)) > 0)
        {
            if (buffer.Length + n > maxBytes) throw new InvalidDataException($"{name}: larger than {maxBytes} bytes.");
            buffer.Write(chunk, 0, n);
        }
        try
        {
            _ = StrictUtf8.GetCharCount(buffer.GetBuffer(), 0, (int)buffer.Length);   // strings are read later: invalid UTF-8 would throw there
            return JsonDocument.Parse(buffer.ToArray(), new JsonDocumentOptions
            {
                MaxDepth = 64,
                CommentHandling = allowComments ? JsonCommentHandling.Skip : JsonCommentHandling.Disallow,
                AllowTrailingCommas = allowComments,
            });
        }
        catch (JsonException e) { throw new InvalidDataException($"{name}: not valid JSON: {e.Message}", e); }
        catch (DecoderFallbackException e) { throw new InvalidDataException($"{name}: not valid UTF-8: {e.Message}", e); }
    }
}
