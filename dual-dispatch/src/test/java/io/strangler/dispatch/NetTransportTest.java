package io.strangler.dispatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class NetTransportTest {

  @Test
  void named_blankOnLinuxX86_picksTheNativeEpollThatTheBuildShips() {
    assumeTrue(
        System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
            && System.getProperty("os.arch").matches("amd64|x86_64"));

    assertThat(Epoll.isAvailable()).as("%s", Epoll.unavailabilityCause()).isTrue();
    assertThat(NetTransport.named(" ").serverChannel()).isEqualTo(EpollServerSocketChannel.class);
    assertThat(NetTransport.named("EPOLL").name()).isEqualTo("epoll");
  }

  @Test
  void named_nio_isTheJdksSelectorWhereverItRuns() {
    NetTransport nio = NetTransport.named("nio");

    assertThat(nio.name()).isEqualTo("nio");
    assertThat(nio.serverChannel()).isEqualTo(NioServerSocketChannel.class);
  }

  @Test
  void named_unknown_isRefusedWithTheProperty() {
    assertThatThrownBy(() -> NetTransport.named("io_uring"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strangler.transport must be epoll or nio, got \"io_uring\"");
  }
}
