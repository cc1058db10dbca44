using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace SpeechSeparation.Signal;

/// <summary>
/// Conversion between stored WAV sample bytes (little-endian) and floating-point samples.
/// Decoding follows soundfile/libsndfile: <c>int / 2^(bits−1)</c>, 8-bit <c>(u − 128)/128</c>, floats as stored.
/// Encoding follows libsndfile 1.2.0: <c>i32 = clip(rint(x·2^31))</c>, then an arithmetic right shift to the target width.
/// </summary>
internal static class PcmCodec
{
    public static void Decode(ReadOnlySpan<byte> src, Span<float> dst, WavSampleFormat format)
    {
        int n = dst.Length;
        switch (format)
        {
            case WavSampleFormat.Pcm8:
                for (int i = 0; i < n; i++) dst[i] = (src[i] - 128) * (1f / 128f);
                break;
            case WavSampleFormat.Pcm16:
                if (BitConverter.IsLittleEndian)
                {
                    var s = MemoryMarshal.Cast<byte, short>(src[..(2 * n)]);
                    TensorPrimitives.ConvertTruncating<short, float>(s, dst);
                    TensorPrimitives.Multiply(dst, 1f / 32768f, dst);
                }
                else
                    for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]) * (1f / 32768f);
                break;
            case WavSampleFormat.Pcm24:
                for (int i = 0, j = 0; i < n; i++, j += 3)
                    dst[i] = (((src[j] << 8) | (src[j + 1] << 16) | (src[j + 2] << 24)) >> 8) * (1f / 8388608f);
                break;
            case WavSampleFormat.Pcm32:
                for (int i = 0; i < n; i++)
                    dst[i] = (float)(BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]) * (1.0 / 2147483648.0));
                break;
            case WavSampleFormat.Float32:
                if (BitConverter.IsLittleEndian) MemoryMarshal.Cast<byte, float>(src[..(4 * n)]).CopyTo(dst);
                else for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case WavSampleFormat.Float64:
                for (int i = 0; i < n; i++) dst[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown WAV sample format.");
        }
    }

    public static void Decode(ReadOnlySpan<byte> src, Span<double> dst, WavSampleFormat format)
    {
        int n = dst.Length;
        switch (format)
        {
            case WavSampleFormat.Pcm8:
                for (int i = 0; i < n; i++) dst[i] = (src[i] - 128) / 128.0;
                break;
            case WavSampleFormat.Pcm16:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt16LittleEndian(src[(2 * i)..]) / 32768.0;
                break;
            case WavSampleFormat.Pcm24:
                for (int i = 0, j = 0; i < n; i++, j += 3)
                    dst[i] = (((src[j] << 8) | (src[j + 1] << 16) | (src[j + 2] << 24)) >> 8) / 8388608.0;
                break;
            case WavSampleFormat.Pcm32:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadInt32LittleEndian(src[(4 * i)..]) / 2147483648.0;
                break;
            case WavSampleFormat.Float32:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadSingleLittleEndian(src[(4 * i)..]);
                break;
            case WavSampleFormat.Float64:
                for (int i = 0; i < n; i++) dst[i] = BinaryPrimitives.ReadDoubleLittleEndian(src[(8 * i)..]);
                break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown WAV sample format.");
        }
    }

    /// <summary>libsndfile's float → int32 step: <c>clip(rint(x·2^31), −2^31, 2^31−1)</c>.</summary>
    private static int ToInt32(double x)
    {
        if (double.IsNaN(x)) throw new ArgumentException("A sample is NaN; integer PCM cannot represent it.");
        double v = Math.Round(x * 2147483648.0, MidpointRounding.ToEven);
        if (v >= 2147483647.0) return int.MaxValue;
        if (v <= -2147483648.0) return int.MinValue;
        return (int)v;
    }

    public static void Encode(ReadOnlySpan<float> src, Span<byte> dst, WavSampleFormat format)
    {
        int n = src.Length;
        switch (format)
        {
            case WavSampleFormat.Float32:
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(src).CopyTo(dst);
                else for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], src[i]);
                return;
            case WavSampleFormat.Float64:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteDoubleLittleEndian(dst[(8 * i)..], src[i]);
                return;
            default:
                for (int i = 0; i < n; i++) EncodeInt(ToInt32(src[i]), dst, i, format);
                return;
        }
    }

    public static void Encode(ReadOnlySpan<double> src, Span<byte> dst, WavSampleFormat format)
    {
        int n = src.Length;
        switch (format)
        {
            case WavSampleFormat.Float32:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], (float)src[i]);
                return;
            case WavSampleFormat.Float64:
                for (int i = 0; i < n; i++) BinaryPrimitives.WriteDoubleLittleEndian(dst[(8 * i)..], src[i]);
                return;
            default:
                for (int i = 0; i < n; i++) EncodeInt(ToInt32(src[i]), dst, i, format);
                return;
        }
    }

    private static void EncodeInt(int v, Span<byte> dst, int i, WavSampleFormat format)
    {
        switch (format)
        {
            case WavSampleFormat.Pcm8: dst[i] = (byte)((v >> 24) + 128); break;
            case WavSampleFormat.Pcm16: BinaryPrimitives.WriteInt16LittleEndian(dst[(2 * i)..], (short)(v >> 16)); break;
            case WavSampleFormat.Pcm24:
            {
                int s = v >> 8, j = 3 * i;
                dst[j] = (byte)s; dst[j + 1] = (byte)(s >> 8); dst[j + 2] = (byte)(s >> 16);
                break;
            }
            case WavSampleFormat.Pcm32: BinaryPrimitives.WriteInt32LittleEndian(dst[(4 * i)..], v); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown WAV sample format.");
        }
    }
}
