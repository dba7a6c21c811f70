package com.marketcast.embedded;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A private {@code redis-server} child process on a free loopback port, with nothing persisted.
 *
 * <p>{@link #stop()} and {@link #restart()} keep the port, so tests can simulate a Redis outage
 * that clients ride out by reconnecting to the same address. A JVM shutdown hook kills the process
 * and deletes its temp directory, so an interrupted run leaves nothing behind.
 */
public final class RedisServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisServer.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    private static final String SETSID = "/usr/bin/setsid";

    private final int port;
    private final Path dir;
    private final Thread shutdownHook;
    private Process process;

    private RedisServer(int port, Path dir) {
        this.port = port;
        this.dir = dir;
        this.shutdownHook =
                new Thread(
                        () -> {
                            stop();
                            TempDirs.deleteRecursively(dir);
                        },
                        "redis-server-shutdown-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts {@code redis-server} on a free port. */
    public static RedisServer start() {
        return start(FreePorts.next());
    }

    /** Starts {@code redis-server} on the given port. */
    public static RedisServer start(int port) {
        try {
            RedisServer server = new RedisServer(port, Files.createTempDirectory("redis-" + port));
            server.launch();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    /** The {@code redis://} URI of this server. */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Kills the server (an outage); {@link #restart()} brings it back on the same port, empty. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        process = null;
    }

    /** Starts the server again on the same port after {@link #stop()}. */
    public synchronized void restart() {
        stop();
        launch();
    }

    /**
     * Leaves stopping to the caller: for a caller that stops several services in order from its own
     * shutdown hook (JVM shutdown hooks run concurrently, in no order).
     */
    public RedisServer withoutShutdownHook() {
        removeShutdownHook();
        return this;
    }

    /** Stops the server for good and deletes its temp directory. */
    @Override
    public void close() {
        stop();
        removeShutdownHook();
        TempDirs.deleteRecursively(dir);
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void launch() {
        List<String> command = new ArrayList<>();
        if (new File(SETSID).canExecute()) {
            // its own session: a Ctrl-C in the terminal signals the whole foreground process group,
            // and redis-server would die at once, under a job still flushing to it; this way only
            // the JVM gets the signal, and its shutdown hook stops redis-server in order
            command.add(SETSID);
        }
        command.addAll(
                List.of(
                        executable(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--dir",
                        dir.toString(),
                        // subscribers in tests read bursts; the default pubsub limit would drop
                        // them
                        "--client-output-buffer-limit",
                        "pubsub 256mb 128mb 60"));
        try {
            process =
                    new ProcessBuilder(command)
                            .redirectErrorStream(true)
                            .redirectOutput(dir.resolve("redis.log").toFile())
                            .start();
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot start redis-server (is the Debian package redis-server installed?)", e);
        }
        awaitListening();
        LOG.info("redis-server listening on {} (pid {})", uri(), process.pid());
    }

    private void awaitListening() {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "redis-server exited with "
                                + process.exitValue()
                                + ", see "
                                + dir.resolve("redis.log"));
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.onSpinWait();
            }
        }
        throw new IllegalStateException(
                "redis-server did not listen on port " + port + " within " + START_TIMEOUT);
    }

    private static String executable() {
        for (String candidate : List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server")) {
            if (new File(candidate).canExecute()) {
                return candidate;
            }
        }
        return "redis-server";
    }
}
