package io.strangler.dispatch.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 client on one keep-alive connection: just enough to POST JSON and
 * read the status, so that a benchmark measures the server rather than a client library.
 */
public final class RawHttpClient implements AutoCloseable {
  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final byte[] line = new byte[8192];

  public RawHttpClient(String host, int port) throws IOException {
    socket = new Socket(host, port);
    socket.setTcpNoDelay(true);
    out = socket.getOutputStream();
    in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
  }

  /** Sends one POST and returns the response status; the body is read and discarded. */
  public int post(String path, byte[] body) throws IOException {
    byte[] head =
        ("POST "
                + path
                + " HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    out.write(all);
    out.flush();

    int n = readLine();
    // "HTTP/1.1 200 OK"
    int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    int length = 0;
    while ((n = readLine()) > 0) {
      if (n > 15 && startsWithIgnoreCase("content-length:")) {
        length = Integer.parseInt(new String(line, 15, n - 15, StandardCharsets.US_ASCII).trim());
      }
    }
    long skipped = 0;
    while (skipped < length) {
      long s = in.skip(length - skipped);
      if (s <= 0) {
        if (in.read() < 0) {
          throw new IOException("connection closed mid-body");
        }
        s = 1;
      }
      skipped += s;
    }
    return status;
  }

  private boolean startsWithIgnoreCase(String prefix) {
    for (int i = 0; i < prefix.length(); i++) {
      if (Character.toLowerCase(line[i]) != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Reads a header line without its CRLF into {@link #line}; returns its length. */
  private int readLine() throws IOException {
    int n = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed");
      }
      if (b == '\n') {
        return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
      }
      if (n < line.length) {
        line[n++] = (byte) b;
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
