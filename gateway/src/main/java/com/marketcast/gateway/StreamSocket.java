package com.marketcast.gateway;

import io.javalin.websocket.WsContext;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.WriteCallback;

/**
 * One open WebSocket of a channel: the Jetty session, the relay that feeds it, the rate limit on
 * what the client sends, and whether the client has shown its token yet.
 */
final class StreamSocket {
    final WsContext ws;
    final String channelId;
    final String ip;
    final RateLimit inbound;
    private final AtomicBoolean authenticated = new AtomicBoolean();
    private volatile StreamRelay relay;

    StreamSocket(WsContext ws, String channelId, String ip, int maxMessagesPerSecond) {
        this.ws = ws;
        this.channelId = channelId;
        this.ip = ip;
        this.inbound = new RateLimit(maxMessagesPerSecond);
    }

    /** True the first time only: the token is checked once per connection. */
    boolean authenticate() {
        return authenticated.compareAndSet(false, true);
    }

    boolean authenticated() {
        return authenticated.get();
    }

    StreamRelay relay() {
        return relay;
    }

    void relay(StreamRelay relay) {
        this.relay = relay;
    }

    /** The relay's socket: asynchronous writes on the Jetty session. */
    StreamRelay.Socket writer() {
        return (text, onSent, onFailed) -> {
            if (!ws.session.isOpen()) {
                onFailed.accept(new IllegalStateException("closed"));
                return;
            }
            ws.session
                    .getRemote()
                    .sendString(
                            text,
                            new WriteCallback() {
                                @Override
                                public void writeSuccess() {
                                    onSent.run();
                                }

                                @Override
                                public void writeFailed(Throwable x) {
                                    onFailed.accept(x);
                                }
                            });
        };
    }
}
