package io.strangler.importer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes rows in PostgreSQL's binary COPY format onto a stream (a {@code COPY ... FROM STDIN
 * (FORMAT binary)} in progress). Binary because text needs no escaping here, numbers and times need
 * no formatting or parsing, and times keep their exact microseconds.
 *
 * <p>Not thread-safe. Buffers up to one chunk, so memory stays bounded whatever the row count.
 */
final class BinaryCopyWriter {
  private static final byte[] HEADER = {
    'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte) 0xFF, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0
  };

  /** Microseconds between the Unix epoch and PostgreSQL's epoch, 2000-01-01T00:00:00Z. */
  private static final long PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000L;

  private final OutputStream out;
  private final byte[] buf;
  private int pos;

  BinaryCopyWriter(OutputStream out, int bufferBytes) throws IOException {
    this.out = out;
    this.buf = new byte[Math.max(bufferBytes, 1024)];
    write(HEADER, 0, HEADER.length);
  }

  /** Starts a row of {@code fields} columns. */
  BinaryCopyWriter row(int fields) throws IOException {
    ensure(2);
    buf[pos++] = (byte) (fields >>> 8);
    buf[pos++] = (byte) fields;
    return this;
  }

  BinaryCopyWriter text(String s) throws IOException {
    if (s == null) {
      return nul();
    }
    int n = s.length();
    // ASCII, the common case, is written without an intermediate array.
    boolean ascii = true;
    for (int i = 0; i < n; i++) {
      if (s.charAt(i) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (!ascii) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      int32(b.length);
      write(b, 0, b.length);
      return this;
    }
    int32(n);
    if (n > buf.length) {
      byte[] b = s.getBytes(StandardCharsets.US_ASCII);
      write(b, 0, b.length);
      return this;
    }
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[pos++] = (byte) s.charAt(i);
    }
    return this;
  }

  BinaryCopyWriter int2(short v) throws IOException {
    int32(2);
    ensure(2);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
    return this;
  }

  BinaryCopyWriter int4(int v) throws IOException {
    int32(4);
    int32(v);
    return this;
  }

  BinaryCopyWriter float8(double v) throws IOException {
    int32(8);
    int64(Double.doubleToLongBits(v));
    return this;
  }

  /** A timestamptz given as epoch milliseconds. */
  BinaryCopyWriter timestampMillis(long epochMillis) throws IOException {
    int32(8);
    int64(Math.multiplyExact(epochMillis, 1000L) - PG_EPOCH_OFFSET_MICROS);
    return this;
  }

  BinaryCopyWriter nul() throws IOException {
    int32(-1);
    return this;
  }

  /** Writes the trailer and flushes; the caller ends the COPY. */
  void finish() throws IOException {
    ensure(2);
    buf[pos++] = (byte) 0xFF;
    buf[pos++] = (byte) 0xFF;
    flushBuffer();
    out.flush();
  }

  private void int32(int v) throws IOException {
    ensure(4);
    buf[pos++] = (byte) (v >>> 24);
    buf[pos++] = (byte) (v >>> 16);
    buf[pos++] = (byte) (v >>> 8);
    buf[pos++] = (byte) v;
  }

  private void int64(long v) throws IOException {
    ensure(8);
    for (int shift = 56; shift >= 0; shift -= 8) {
      buf[pos++] = (byte) (v >>> shift);
    }
  }

  private void write(byte[] b, int off, int len) throws IOException {
    if (len > buf.length - pos) {
      flushBuffer();
      if (len > buf.length) {
        out.write(b, off, len);
        return;
      }
    }
    System.arraycopy(b, off, buf, pos, len);
    pos += len;
  }

  private void ensure(int n) throws IOException {
    if (buf.length - pos < n) {
      flushBuffer();
    }
  }

  private void flushBuffer() throws IOException {
    if (pos > 0) {
      out.write(buf, 0, pos);
      pos = 0;
    }
  }
}
