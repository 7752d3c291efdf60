package io.tracker.core.batch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disk of {@code free} bytes for {@link SegmentLog}: writes past it are cut short (the part that fits lands, as on
 * a real full disk) and then fail with ENOSPC; fsync can be made to fail too. Space can be given back at any time.
 */
final class FullDisk implements SegmentLog.Opener {
    final AtomicLong free = new AtomicLong(Long.MAX_VALUE);
    volatile boolean failSync;
    volatile boolean failTruncate;
    volatile boolean failPositionalWrite;

    @Override
    public FileChannel open(Path path, OpenOption... options) throws IOException {
        return new Channel(FileChannel.open(path, options));
    }

    private final class Channel extends FileChannel {
        private final FileChannel ch;

        Channel(FileChannel ch) {
            this.ch = ch;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            long room = free.get();
            if (room <= 0) {
                throw new IOException("No space left on device");
            }
            if (src.remaining() > room) {
                ByteBuffer part = src.duplicate();
                part.limit(part.position() + (int) room);
                int n = ch.write(part);
                src.position(src.position() + n);
                free.addAndGet(-n);
                return n; // a short write: the caller's next write meets ENOSPC
            }
            int n = ch.write(src);
            free.addAndGet(-n);
            return n;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            if (failSync) {
                throw new IOException("Input/output error (fsync)");
            }
            ch.force(metaData);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            if (failTruncate) {
                throw new IOException("Input/output error (truncate)");
            }
            long before = ch.size();
            ch.truncate(size);
            free.addAndGet(Math.max(0, before - size));
            return this;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return ch.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return ch.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            long n = 0;
            for (int i = offset; i < offset + length; i++) {
                n += write(srcs[i]);
            }
            return n;
        }

        @Override
        public long position() throws IOException {
            return ch.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            ch.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return ch.size();
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return ch.read(dst, position);
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (failPositionalWrite) {
                throw new IOException("Input/output error (pwrite)");
            }
            if (position + src.remaining() > ch.size() && free.get() <= 0) {
                throw new IOException("No space left on device");
            }
            return ch.write(src, position); // over allocated bytes: needs no free space
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return ch.lock(position, size, shared);
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            return ch.tryLock(position, size, shared);
        }

        @Override
        protected void implCloseChannel() throws IOException {
            ch.close();
        }
    }
}
