package io.strangler.dispatch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A minimal blocking HTTP/1.1 client on one keep-alive connection: just enough to POST JSON and
 * read the status, so that a benchmark measures the server rather than a client library. The
 * request is written from one reused buffer in one write; the answer is read into another and its
 * head parsed in place, with no per-call objects beyond what the socket needs.
 */
public final class RawHttpClient implements AutoCloseable {
  private static final byte[] CONTENT_LENGTH =
      "content-length:".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] POST = "POST ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] HEAD =
      " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "
          .getBytes(StandardCharsets.US_ASCII);

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private byte[] request = new byte[4096];
  private byte[] buf = new byte[64 * 1024];
  private int start; // first unread byte of buf
  private int end; // one past the last byte read into buf

  public RawHttpClient(String host, int port) throws IOException {
    socket = new Socket(host, port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = socket.getInputStream();
  }

  /** Sends one POST and returns the response status; the body is read and discarded. */
  public int post(String path, byte[] body) throws IOException {
    int n = 0;
    n = put(n, POST);
    n = putAscii(n, path);
    n = put(n, HEAD);
    n = putAscii(n, Integer.toString(body.length));
    n = put(n, new byte[] {'\r', '\n', '\r', '\n'});
    n = put(n, body);
    out.write(request, 0, n);
    out.flush();
    return readResponse();
  }

  private int put(int at, byte[] bytes) {
    if (at + bytes.length > request.length) {
      request = Arrays.copyOf(request, Math.max(request.length * 2, at + bytes.length));
    }
    System.arraycopy(bytes, 0, request, at, bytes.length);
    return at + bytes.length;
  }

  private int putAscii(int at, String s) {
    if (at + s.length() > request.length) {
      request = Arrays.copyOf(request, Math.max(request.length * 2, at + s.length()));
    }
    for (int i = 0; i < s.length(); i++) {
      request[at + i] = (byte) s.charAt(i); // ASCII only: paths and digits
    }
    return at + s.length();
  }

  /** Reads one answer: its status line, headers and Content-Length bytes of body. */
  private int readResponse() throws IOException {
    int headEnd;
    while ((headEnd = indexOfBlankLine()) < 0) {
      fill();
    }
    // "HTTP/1.1 200 OK"
    int status =
        (buf[start + 9] - '0') * 100 + (buf[start + 10] - '0') * 10 + (buf[start + 11] - '0');
    int length = contentLength(start, headEnd);
    start = headEnd + 4;
    while (end - start < length) {
      length -= end - start;
      start = end;
      fill();
    }
    start += length;
    return status;
  }

  /** Where the head's closing CRLF CRLF starts, or -1 if it has not all arrived. */
  private int indexOfBlankLine() {
    for (int i = start; i + 3 < end; i++) {
      if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private int contentLength(int from, int to) {
    for (int i = from; i < to; i++) {
      if ((i == from || buf[i - 1] == '\n') && startsWithIgnoreCase(i, to)) {
        int v = 0;
        for (int j = i + CONTENT_LENGTH.length; j < to && buf[j] != '\r'; j++) {
          if (buf[j] >= '0' && buf[j] <= '9') {
            v = v * 10 + (buf[j] - '0');
          }
        }
        return v;
      }
    }
    return 0;
  }

  private boolean startsWithIgnoreCase(int at, int to) {
    if (at + CONTENT_LENGTH.length > to) {
      return false;
    }
    for (int i = 0; i < CONTENT_LENGTH.length; i++) {
      if (Character.toLowerCase(buf[at + i]) != CONTENT_LENGTH[i]) {
        return false;
      }
    }
    return true;
  }

  /** Reads more bytes, compacting or growing the buffer first when it is full. */
  private void fill() throws IOException {
    if (start == end) {
      start = end = 0;
    } else if (end == buf.length) {
      if (start > 0) {
        System.arraycopy(buf, start, buf, 0, end - start);
        end -= start;
        start = 0;
      } else {
        buf = Arrays.copyOf(buf, buf.length * 2);
      }
    }
    int r = in.read(buf, end, buf.length - end);
    if (r < 0) {
      throw new IOException("connection closed");
    }
    end += r;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
