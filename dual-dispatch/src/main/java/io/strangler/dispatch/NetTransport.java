package io.strangler.dispatch;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.Locale;

/**
 * The event loops' I/O: Linux's epoll through Netty's native transport where it loads (fewer system
 * calls and no selector garbage per wake-up than the JDK's NIO), else NIO. Chosen once, at start;
 * system property {@code strangler.transport} ({@code epoll} or {@code nio}) forces one, for
 * example to compare them side by side.
 */
public record NetTransport(
    String name, IoHandlerFactory ioHandlers, Class<? extends ServerChannel> serverChannel) {

  /** The property that forces a transport. */
  public static final String PROPERTY = "strangler.transport";

  /** The best transport this machine can load, or the one {@link #PROPERTY} names. */
  public static NetTransport best() {
    return named(System.getProperty(PROPERTY, ""));
  }

  /** The transport {@code wanted} names ({@code epoll}, {@code nio}, or blank for the best). */
  static NetTransport named(String wanted) {
    return switch (wanted.trim().toLowerCase(Locale.ROOT)) {
      case "nio" -> nio();
      case "epoll" -> {
        if (!Epoll.isAvailable()) {
          throw new IllegalStateException(
              PROPERTY + "=epoll, but epoll cannot be loaded: " + Epoll.unavailabilityCause());
        }
        yield epoll();
      }
      case "" -> Epoll.isAvailable() ? epoll() : nio();
      default ->
          throw new IllegalArgumentException(
              PROPERTY + " must be epoll or nio, got \"" + wanted.trim() + "\"");
    };
  }

  private static NetTransport epoll() {
    return new NetTransport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
  }

  private static NetTransport nio() {
    return new NetTransport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
  }

  @Override
  public String toString() {
    return name;
  }
}
