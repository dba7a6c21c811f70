package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A WebSocket client of the gateway (the JDK's), keeping every text message and the close code the
 * server sent.
 */
public final class TestSocket implements WebSocket.Listener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<JsonNode> messages = new ArrayList<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private WebSocket socket;

    /** Opens {@code /ws/{channelId}}; with {@code protocols}, the token goes on the handshake. */
    public static TestSocket open(
            HttpClient http, int port, String channelId, String origin, String... protocols)
            throws ExecutionException, InterruptedException {
        TestSocket listener = new TestSocket();
        WebSocket.Builder builder = http.newWebSocketBuilder();
        if (origin != null) {
            builder.header("Origin", origin);
        }
        if (protocols.length > 0) {
            builder.subprotocols(
                    protocols[0], java.util.Arrays.copyOfRange(protocols, 1, protocols.length));
        }
        listener.socket =
                builder.buildAsync(
                                URI.create("ws://127.0.0.1:" + port + "/ws/" + channelId), listener)
                        .get();
        return listener;
    }

    public void send(String text) {
        socket.sendText(text, true).join();
    }

    public void auth(String token) {
        send("{\"type\":\"auth\",\"token\":\"" + token + "\"}");
    }

    public synchronized List<JsonNode> messages() {
        return new ArrayList<>(messages);
    }

    public synchronized List<JsonNode> messages(String type) {
        return messages.stream().filter(m -> m.path("type").asText().equals(type)).toList();
    }

    /** Waits for a message of the type and returns the first such. */
    public JsonNode await(String type, Duration timeout) {
        Awaitility.await().atMost(timeout).until(() -> !messages(type).isEmpty());
        return messages(type).get(0);
    }

    /** The close code the server sent, waiting for it. */
    public int closeCode(Duration timeout) throws Exception {
        return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public boolean closed() {
        return closeCode.isDone();
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        synchronized (this) {
            partial.append(data);
            if (last) {
                try {
                    messages.add(JSON.readTree(partial.toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                partial.setLength(0);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closeCode.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closeCode.complete(-1);
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
        }
        socket.abort();
    }
}
