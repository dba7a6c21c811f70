package com.marketcast.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.websocket.WsCloseContext;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsMessageContext;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.JedisPooled;

/**
 * The gateway (PROTOCOL section 7): the control API that opens channels and turns calls into
 * commands on {@code stream-commands}, the REST market view from the {@code market:} mirror, the
 * WebSocket publisher that forwards a channel's Redis stream with the section 3 rules applied, and
 * the live odds page. It talks to the job only through Kafka and Redis.
 *
 * <p>Security: channel calls and the WebSocket need the channel's token (a short-lived HS256 JWT
 * bound to the channel, {@link ChannelTokens}); requests from a browser page of another origin are
 * refused; WebSocket frames, client messages per second, connections per IP address and the
 * messages waiting per connection are bounded. Every refusal is a 4xx JSON error (or a WebSocket
 * close code of 4000 + the HTTP status).
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final Duration AUTH_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration PING_INTERVAL = Duration.ofSeconds(30);
    private static final long MAX_REQUEST_BYTES = 2L * 1024 * 1024;
    private static final String BEARER = "Bearer ";

    /** The subprotocol that carries the token on the handshake: {@code bearer, <token>}. */
    static final String TOKEN_PROTOCOL = "bearer";

    private final GatewayOptions options;
    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final ChannelTokens tokens;
    private final Commands commands;
    private final OpenChannels channels = new OpenChannels();
    private final Map<String, StreamSocket> sockets = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> connectionsPerIp = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong resyncs =
            new java.util.concurrent.atomic.AtomicLong();
    private final ScheduledExecutorService timers;
    private final CommandPublisher publisher;
    private final JedisPooled redis;
    private final MarketView view;
    private final RedisHub hub;
    private final Javalin app;
    private volatile java.util.Set<String> allowedOrigins = java.util.Set.of();

    private Gateway(GatewayOptions options, Clock clock) {
        this.options = options;
        this.clock = clock;
        this.tokens = new ChannelTokens(options.tokenSecret(), options.tokenTtl(), clock);
        this.commands = new Commands(json);
        this.timers =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "gateway-timers");
                            t.setDaemon(true);
                            return t;
                        });
        this.publisher =
                new CommandPublisher(options.bootstrapServers(), options.commandsTopic(), json);
        this.redis = new JedisPooled(java.net.URI.create(options.redis()));
        this.view = new MarketView(redis, json, clock::millis);
        this.hub = new RedisHub(options.redis(), new HubListener());
        this.app =
                Javalin.create(
                        config -> {
                            config.showJavalinBanner = false;
                            config.http.maxRequestSize = MAX_REQUEST_BYTES;
                            config.staticFiles.add("/public", Location.CLASSPATH);
                            config.jetty.modifyWebSocketServletFactory(
                                    factory -> {
                                        // a larger frame closes the WebSocket with 1009 (message
                                        // too big)
                                        factory.setMaxTextMessageSize(options.maxFrameBytes());
                                        factory.setMaxBinaryMessageSize(options.maxFrameBytes());
                                        factory.setMaxFrameSize(options.maxFrameBytes());
                                        factory.setIdleTimeout(
                                                options.heartbeatInterval().multipliedBy(2));
                                    });
                        });
        routes();
    }

    /** Starts a gateway; the HTTP server listens when this returns. */
    public static Gateway start(GatewayOptions options) {
        return start(options, Clock.systemUTC());
    }

    static Gateway start(GatewayOptions options, Clock clock) {
        Gateway gateway = new Gateway(options, clock);
        try {
            gateway.app.start(options.host(), options.port());
        } catch (RuntimeException e) {
            gateway.close();
            throw new IllegalStateException(
                    "The gateway cannot listen on "
                            + options.host()
                            + ":"
                            + options.port()
                            + " (option 'port'): "
                            + e.getMessage(),
                    e);
        }
        gateway.allowedOrigins = options.allowedOrigins(gateway.port());
        long heartbeat = options.heartbeatInterval().toMillis();
        gateway.timers.scheduleAtFixedRate(
                gateway::heartbeats, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        gateway.timers.scheduleAtFixedRate(gateway::forgetIdleChannels, 1, 1, TimeUnit.MINUTES);
        LOG.info(
                "Gateway listening on http://{}:{} (page /, API /api, WebSocket /ws/<channelId>);"
                        + " commands to topic {} at {}; Redis {}; origins {}; token ttl {}",
                options.host(),
                gateway.port(),
                options.commandsTopic(),
                options.bootstrapServers(),
                options.redis(),
                gateway.allowedOrigins,
                options.tokenTtl());
        if (options.generatedSecret()) {
            LOG.warn(
                    "No token secret given ({} or --token-secret-file): tokens are signed with a"
                            + " random key of this process and die with it",
                    GatewayOptions.SECRET_ENV);
        }
        return gateway;
    }

    public static void main(String[] args) {
        if (List.of(args).contains("--help")) {
            GatewayOptions.usage().forEach(System.out::println);
            return;
        }
        GatewayOptions options;
        try {
            options = GatewayOptions.parse(List.of(args), System::getenv);
        } catch (IllegalArgumentException e) {
            System.err.println("gateway: " + e.getMessage());
            System.exit(2);
            return;
        }
        Gateway gateway = start(options);
        Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "gateway-shutdown"));
    }

    /** The port it listens on (the given one, or the one picked for port 0). */
    public int port() {
        return app.port();
    }

    /** Markets resynced so far (gaps and slow-client conflation), for reports. */
    public long marketResyncs() {
        return resyncs.get();
    }

    /** Open WebSockets, for reports. */
    public int openSockets() {
        return sockets.size();
    }

    private void routes() {
        app.before("/api/*", ctx -> checkOrigin(ctx.header("Origin")));
        app.post("/api/channels", this::createChannel);
        app.post(
                "/api/channels/{id}/subscriptions",
                ctx -> channelCommand(ctx, commands::subscribe));
        app.delete(
                "/api/channels/{id}/subscriptions",
                ctx -> channelCommand(ctx, commands::unsubscribe));
        app.post("/api/channels/{id}/begin", this::begin);
        app.put("/api/channels/{id}/view", ctx -> channelCommand(ctx, commands::open));
        app.post("/api/channels/{id}/token", this::renewToken);
        app.delete("/api/channels/{id}", this::deleteChannel);
        app.get("/api/markets", this::markets);

        app.wsBeforeUpgrade("/ws/{id}", this::beforeUpgrade);
        app.ws(
                "/ws/{id}",
                ws -> {
                    ws.onConnect(this::onConnect);
                    ws.onMessage(this::onMessage);
                    ws.onClose(this::onClose);
                    ws.onError(ctx -> LOG.debug("WebSocket error", ctx.error()));
                });

        app.exception(
                ApiException.class, (e, ctx) -> error(ctx, e.status(), e.code(), e.getMessage()));
        // Javalin's own refusals (no such endpoint, body too large) as JSON too
        app.exception(
                HttpResponseException.class,
                (e, ctx) -> error(ctx, e.getStatus(), "http_" + e.getStatus(), e.getMessage()));
        app.exception(
                Exception.class,
                (e, ctx) -> {
                    LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
                    error(ctx, 500, "internal", "the gateway failed; see its log");
                });
    }

    // --- control API ---------------------------------------------------------------------------

    private void createChannel(Context ctx) {
        JsonNode body = body(ctx, true);
        String channelId = tokens.newChannelId();
        ObjectNode open = commands.open(channelId, body);
        channels.add(channelId, clock.millis());
        try {
            publisher.sendAndWait(open);
        } catch (ApiException e) {
            channels.remove(channelId);
            throw e;
        }
        ObjectNode answer = json.createObjectNode();
        answer.put("channelId", channelId);
        answer.put("token", tokens.issue(channelId));
        respond(ctx, 201, answer);
    }

    private void channelCommand(
            Context ctx, java.util.function.BiFunction<String, JsonNode, ObjectNode> command) {
        OpenChannels.Channel channel = authorizedChannel(ctx);
        publisher.sendAndWait(command.apply(channel.id, body(ctx, false)));
        accepted(ctx);
    }

    private void begin(Context ctx) {
        OpenChannels.Channel channel = authorizedChannel(ctx);
        ObjectNode begin = commands.begin(channel.id, body(ctx, true));
        publisher.sendAndWait(begin);
        if (!begin.has("markets")) {
            channel.markBegun();
        }
        accepted(ctx);
    }

    private void renewToken(Context ctx) {
        OpenChannels.Channel channel = authorizedChannel(ctx);
        ObjectNode answer = json.createObjectNode();
        answer.put("token", tokens.issue(channel.id));
        respond(ctx, 200, answer);
    }

    private void deleteChannel(Context ctx) {
        OpenChannels.Channel channel = authorizedChannel(ctx);
        publisher.sendAndWait(commands.disconnect(channel.id));
        end(channel, 1000, "channel ended");
        ctx.status(204);
    }

    private void markets(Context ctx) {
        MarketView.Filter filter =
                new MarketView.Filter(
                        filterParam(ctx, "sport"),
                        filterParam(ctx, "competition"),
                        filterParam(ctx, "eventId"));
        ObjectNode result;
        try {
            result = view.view(filter);
        } catch (redis.clients.jedis.exceptions.JedisException e) {
            throw new ApiException(
                    503, "unavailable", "the market mirror cannot be read; try again");
        }
        // a CDN or the browser may serve it for a second: the stream brings what changes
        ctx.header("Cache-Control", "public, max-age=1");
        respond(ctx, 200, result);
    }

    private static String filterParam(Context ctx, String name) {
        String value = ctx.queryParam(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > 256) {
            throw ApiException.badRequest(name + " must be at most 256 characters");
        }
        return value;
    }

    private OpenChannels.Channel authorizedChannel(Context ctx) {
        String channelId = ctx.pathParam("id");
        String authorization = ctx.header("Authorization");
        String token =
                authorization != null && authorization.regionMatches(true, 0, BEARER, 0, 7)
                        ? authorization.substring(BEARER.length()).trim()
                        : null;
        tokens.verify(token, channelId);
        OpenChannels.Channel channel =
                channels.get(channelId)
                        .orElseThrow(
                                () ->
                                        new ApiException(
                                                404,
                                                "channel_not_found",
                                                "the channel has ended or is not known to this"
                                                        + " gateway; create a new one"));
        channel.touch(clock.millis());
        return channel;
    }

    private JsonNode body(Context ctx, boolean optional) {
        byte[] bytes = ctx.bodyAsBytes();
        if (bytes.length == 0
                || new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            if (optional) {
                return json.createObjectNode();
            }
            throw ApiException.badRequest("this call needs a JSON body");
        }
        try {
            JsonNode body = json.readTree(bytes);
            if (body == null || !body.isObject()) {
                throw ApiException.badRequest("the body must be a JSON object");
            }
            return body;
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON");
        }
    }

    private void checkOrigin(String origin) {
        // browsers always send Origin on a cross-origin call and on a WebSocket handshake; other
        // clients may omit it and are then held to their token alone
        if (origin != null && !allowedOrigins.contains(origin)) {
            throw ApiException.forbidden("origin " + origin + " is not allowed");
        }
    }

    private void accepted(Context ctx) {
        ctx.status(202);
    }

    private void respond(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType("application/json").result(json.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void error(Context ctx, int status, String code, String message) {
        ObjectNode body = json.createObjectNode();
        body.put("error", code);
        body.put("message", message);
        respond(ctx, status, body);
    }

    // --- WebSocket -----------------------------------------------------------------------------

    private void beforeUpgrade(Context ctx) {
        checkOrigin(ctx.header("Origin"));
        String channelId = ctx.pathParam("id");
        String protocols = ctx.header("Sec-WebSocket-Protocol");
        if (protocols != null) {
            // "bearer, <token>": Javalin echoes the first, so the browser accepts the handshake
            String[] parts = protocols.split(",");
            if (parts.length != 2 || !parts[0].trim().equals(TOKEN_PROTOCOL)) {
                throw ApiException.badRequest(
                        "Sec-WebSocket-Protocol must be '" + TOKEN_PROTOCOL + ", <token>'");
            }
            tokens.verify(parts[1].trim(), channelId);
            ctx.attribute("authenticated", true);
        }
        if (channels.get(channelId).isEmpty()) {
            throw new ApiException(404, "channel_not_found", "the channel has ended or is unknown");
        }
        AtomicInteger open = connectionsPerIp.get(ctx.ip());
        if (open != null && open.get() >= options.maxConnectionsPerIp()) {
            throw new ApiException(
                    429, "too_many_connections", "too many WebSockets from " + ctx.ip());
        }
    }

    private void onConnect(WsConnectContext ctx) {
        String ip =
                ctx.session.getRemoteAddress() instanceof java.net.InetSocketAddress a
                        ? a.getAddress().getHostAddress()
                        : "?";
        StreamSocket socket =
                new StreamSocket(ctx, ctx.pathParam("id"), ip, options.maxMessagesPerSecond());
        sockets.put(ctx.sessionId(), socket);
        // a quiet channel still writes a ping now and then, so the idle timeout closes only
        // sockets whose peer is gone
        ctx.enableAutomaticPings(PING_INTERVAL.toSeconds(), TimeUnit.SECONDS);
        connectionsPerIp.computeIfAbsent(ip, k -> new AtomicInteger()).incrementAndGet();
        if (Boolean.TRUE.equals(ctx.attribute("authenticated")) && socket.authenticate()) {
            stream(socket);
        } else {
            timers.schedule(
                    () -> {
                        if (!socket.authenticated()) {
                            closeWithError(socket.ws, 4408, "no token within " + AUTH_TIMEOUT);
                        }
                    },
                    AUTH_TIMEOUT.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    private void onMessage(WsMessageContext ctx) {
        StreamSocket socket = sockets.get(ctx.sessionId());
        if (socket == null) {
            return;
        }
        if (!socket.inbound.tryAcquire(clock.millis())) {
            closeWithError(
                    ctx, 1008, "more than " + options.maxMessagesPerSecond() + " messages/s");
            return;
        }
        JsonNode message;
        try {
            message = json.readTree(ctx.message());
        } catch (IOException e) {
            message = null;
        }
        String type = message == null ? "" : message.path("type").asText();
        if (!socket.authenticated()) {
            if (!type.equals("auth")) {
                closeWithError(
                        ctx, 4401, "the first message must be {\"type\":\"auth\",\"token\":...}");
                return;
            }
            try {
                tokens.verify(message.path("token").asText(null), socket.channelId);
            } catch (ApiException e) {
                closeWithError(ctx, 4000 + e.status(), e.getMessage());
                return;
            }
            if (socket.authenticate()) {
                stream(socket);
            }
            return;
        }
        if (type.equals("ping")) {
            socket.relay().sendControl("{\"type\":\"pong\"}");
            return;
        }
        sendError(socket, "unknown message; the WebSocket only streams (use the REST calls)");
    }

    private void onClose(WsCloseContext ctx) {
        StreamSocket socket = sockets.remove(ctx.sessionId());
        if (socket == null) {
            return;
        }
        connectionsPerIp.computeIfPresent(
                socket.ip, (ip, n) -> n.decrementAndGet() <= 0 ? null : n);
        StreamRelay relay = socket.relay();
        if (relay == null) {
            return;
        }
        relay.close();
        LOG.debug("WebSocket of channel {} closed: {}", socket.channelId, relay.stats());
        channels.get(socket.channelId)
                .ifPresent(
                        channel -> {
                            if (channel.detach(socket)) {
                                hub.unsubscribe(channel.id);
                                channel.graceTimer(
                                        timers.schedule(
                                                () -> graceOver(channel),
                                                options.reconnectGrace().toMillis(),
                                                TimeUnit.MILLISECONDS));
                            }
                        });
    }

    /** Authenticated: attach to the channel, subscribe in Redis, ACK once that is live. */
    private void stream(StreamSocket socket) {
        OpenChannels.Channel channel = channels.get(socket.channelId).orElse(null);
        if (channel == null) {
            closeWithError(socket.ws, 4404, "the channel has ended");
            return;
        }
        StreamRelay relay =
                new StreamRelay(
                        channel.id,
                        json,
                        options.outboundQueue(),
                        socket.writer(),
                        markets -> resync(channel.id, markets),
                        clock::millis);
        socket.relay(relay);
        StreamSocket previous = channel.attach(socket);
        if (previous != null) {
            closeWithError(previous.ws, 4409, "replaced by a newer connection of the channel");
        }
        String ack = "{\"type\":\"ack\",\"channelId\":\"" + channel.id + "\"}";
        hub.subscribe(channel.id).thenRun(() -> relay.sendControl(ack));
    }

    private void resync(String channelId, List<String> markets) {
        resyncs.addAndGet(markets.size());
        publisher
                .send(commands.resync(channelId, markets))
                .whenComplete(
                        (ok, error) -> {
                            if (error != null) {
                                LOG.warn(
                                        "Resync of {} on channel {} not sent",
                                        markets,
                                        channelId,
                                        error);
                            }
                        });
    }

    private void graceOver(OpenChannels.Channel channel) {
        if (channel.socket() != null) {
            return;
        }
        LOG.debug(
                "Channel {} not reconnected within {}: DISCONNECT",
                channel.id,
                options.reconnectGrace());
        publisher.send(commands.disconnect(channel.id));
        channels.remove(channel.id);
    }

    private void end(OpenChannels.Channel channel, int code, String reason) {
        channels.remove(channel.id);
        StreamSocket socket = channel.attach(null);
        hub.unsubscribe(channel.id);
        if (socket != null) {
            socket.relay().close();
            socket.ws.closeSession(code, reason);
        }
    }

    private void heartbeats() {
        for (OpenChannels.Channel channel : channels.all()) {
            if (channel.socket() != null) {
                publisher.send(commands.heartbeat(channel.id));
            }
        }
    }

    /** The job expires a channel idle for channel-ttl by itself; the gateway forgets it too. */
    private void forgetIdleChannels() {
        long cutoff = clock.millis() - options.channelTtl().toMillis();
        channels.all().removeIf(channel -> channel.idleSince(cutoff));
    }

    private void sendError(StreamSocket socket, String message) {
        ObjectNode error = json.createObjectNode();
        error.put("type", "error");
        error.put("message", message);
        socket.relay().sendControl(error.toString());
    }

    private void closeWithError(WsContext ws, int code, String reason) {
        ws.closeSession(code, reason);
    }

    private final class HubListener implements RedisHub.Listener {
        @Override
        public void onMessage(String channelId, String message) {
            channels.get(channelId)
                    .map(OpenChannels.Channel::socket)
                    .map(StreamSocket::relay)
                    .ifPresent(relay -> relay.onStreamMessage(message));
        }

        @Override
        public void onResubscribed() {
            // pub-sub dropped what was published while Redis was away: begin every streaming
            // channel again, so each market comes back as a snapshot
            int resynced = 0;
            for (OpenChannels.Channel channel : channels.all()) {
                StreamSocket socket = channel.socket();
                if (socket != null && channel.begun() && socket.relay() != null) {
                    socket.relay().awaitResyncOfAll();
                    publisher.send(commands.beginAll(channel.id));
                    resynced++;
                }
            }
            LOG.info("Redis pub-sub is back: resyncing {} streaming channels", resynced);
        }
    }

    @Override
    public void close() {
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.debug("Stopping the HTTP server", e);
        }
        timers.shutdownNow();
        hub.close();
        redis.close();
        publisher.close();
    }
}
