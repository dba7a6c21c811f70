package com.marketcast.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.marketcast.embedded.FreePorts;
import java.lang.management.ManagementFactory;
import java.rmi.registry.LocateRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import org.junit.jupiter.api.Test;

class GcPausesTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void recordsTheCollectionsThatStoppedTheJvmWhileOpen() throws InterruptedException {
        GcPauses.Summary whileOpen;
        try (GcPauses pauses = GcPauses.record()) {
            System.gc();
            System.gc();
            // the collectors notify from a service thread, after the collection
            whileOpen = awaitCount(pauses, 2);
        }

        assertThat(whileOpen.count()).isGreaterThanOrEqualTo(2);
        assertThat(whileOpen.longestMs()).isGreaterThanOrEqualTo(whileOpen.medianMs());
        assertThat(whileOpen.shareOfTime()).isBetween(0.0, 1.0);
    }

    @Test
    void aClosedRecordingCountsNothingMore() throws InterruptedException {
        GcPauses pauses = GcPauses.record();
        System.gc();
        awaitCount(pauses, 1);
        pauses.close();
        int seen = pauses.summary().count();

        // a second recording sees the next collection, the closed one does not
        try (GcPauses next = GcPauses.record()) {
            System.gc();
            awaitCount(next, 1);
        }
        assertThat(pauses.summary().count()).isEqualTo(seen);
    }

    @Test
    void recordsAnotherJvmsCollectionsOverJmx() throws Exception {
        // this JVM's platform MBeans behind a JMX connector server, as a TaskManager serves its own
        int port = FreePorts.next();
        LocateRegistry.createRegistry(port);
        JMXServiceURL url =
                new JMXServiceURL(
                        "service:jmx:rmi://localhost:"
                                + port
                                + "/jndi/rmi://localhost:"
                                + port
                                + "/jmxrmi");
        JMXConnectorServer server =
                JMXConnectorServerFactory.newJMXConnectorServer(
                        url, null, ManagementFactory.getPlatformMBeanServer());
        server.start();
        try (JMXConnector client = JMXConnectorFactory.connect(url)) {
            GcPauses.Summary overJmx;
            try (GcPauses pauses = GcPauses.record(client.getMBeanServerConnection())) {
                System.gc();
                // the connector fetches the notifications from the server, a moment later
                overJmx = awaitCount(pauses, 1);
            }
            assertThat(overJmx.longestMs()).isGreaterThanOrEqualTo(overJmx.medianMs());
        } finally {
            server.stop();
        }
    }

    private static GcPauses.Summary awaitCount(GcPauses pauses, int count)
            throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        GcPauses.Summary summary = pauses.summary();
        while (summary.count() < count) {
            assertThat(System.nanoTime()).as("%d collections notified", count).isLessThan(deadline);
            TimeUnit.MILLISECONDS.sleep(10);
            summary = pauses.summary();
        }
        return summary;
    }
}
