package io.tracker.server.ws;

import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * The binary frame of the Go tracker's browser client (spec §13): {@code [uint32 little-endian uncompressed
 * length][raw LZ4 block]}, lz4_flex's {@code compress_prepend_size} layout — not the LZ4 frame format. Decoded with
 * lz4-java's safe decompressor, bounded by the declared length, which is itself capped.
 */
final class Lz4Frames {
    private static final LZ4SafeDecompressor DECOMPRESSOR = LZ4Factory.fastestInstance().safeDecompressor();

    private Lz4Frames() {
    }

    /** Why a frame could not be decoded (counted by reason, the frame skipped). */
    static final class BadFrame extends Exception {
        final String reason;

        BadFrame(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    static byte[] decode(byte[] frame, int maxDecoded) throws BadFrame {
        if (frame.length < 4) {
            throw new BadFrame("lz4_short", "a binary frame needs a 4-byte length prefix");
        }
        long declared = (frame[0] & 0xffL) | (frame[1] & 0xffL) << 8 | (frame[2] & 0xffL) << 16 | (frame[3] & 0xffL) << 24;
        if (declared == 0) {
            throw new BadFrame("lz4_empty", "declared length 0");
        }
        if (declared > maxDecoded) {
            throw new BadFrame("lz4_too_large", "declared length " + declared + " exceeds websocket.maxDecodedBytes");
        }
        if (declared > 255L * (frame.length - 4) + 16) {
            // LZ4 expands at most ~255:1: a small frame declaring megabytes is a lie, refused before allocating.
            throw new BadFrame("lz4_corrupt", "declared length " + declared + " is beyond what the block can hold");
        }
        byte[] out = new byte[(int) declared];
        int n;
        try {
            n = DECOMPRESSOR.decompress(frame, 4, frame.length - 4, out, 0, out.length);
        } catch (LZ4Exception e) {
            throw new BadFrame("lz4_corrupt", "corrupt LZ4 block");
        }
        if (n != declared) {
            throw new BadFrame("lz4_corrupt", "LZ4 block decodes to " + n + " bytes, " + declared + " declared");
        }
        return out;
    }
}
