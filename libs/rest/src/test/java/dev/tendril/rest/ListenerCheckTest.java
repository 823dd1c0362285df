package dev.tendril.rest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Issue 16 item 5: a service or agent bound beyond loopback without TLS refuses to start, saying why. */
class ListenerCheckTest {

    @Test
    void loopbackMayListenWithoutTls() {
        assertThat(ListenerCheck.refusal("127.0.0.1", false)).isEmpty();
        assertThat(ListenerCheck.refusal("127.0.0.5", false)).isEmpty();
        assertThat(ListenerCheck.refusal("::1", false)).isEmpty();
        assertThat(ListenerCheck.refusal("localhost", false)).isEmpty();
    }

    @Test
    void anyOtherAddressWithoutTlsIsRefusedWithTheWayOut() {
        for (String host : new String[] {"0.0.0.0", "::", "192.168.1.20", "node1.example.com"}) {
            assertThat(ListenerCheck.refusal(host, false))
                    .as(host)
                    .hasValueSatisfying(reason -> assertThat(reason)
                            .contains("refusing to listen on " + host + " without TLS")
                            .contains("127.0.0.1")
                            .contains("tendril.tls.cert"));
        }
    }

    @Test
    void anyAddressWithTlsMayListen() {
        assertThat(ListenerCheck.refusal("0.0.0.0", true)).isEmpty();
        assertThat(ListenerCheck.refusal("192.168.1.20", true)).isEmpty();
    }
}
