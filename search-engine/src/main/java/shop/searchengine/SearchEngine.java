package shop.searchengine;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.opensearch.Version;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.core.common.transport.TransportAddress;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.index.mapper.MapperExtrasPlugin;
import org.opensearch.index.reindex.ReindexPlugin;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one real OpenSearch node for development, tests and CI: the server from Maven Central with
 * the modules the catalog's search needs loaded from the classpath, as the OpenSearch test framework's
 * MockNode loads them. It is the same server code as the distribution, without the distribution's
 * other modules and without the security plugin.
 *
 * <pre>
 *   java -Xms512m -Xmx1g -cp 'target/classes:target/lib/*' shop.searchengine.SearchEngine \
 *     [--port 9200] [--transport-port 9300-9400] [--data DIR]
 * </pre>
 *
 * The node binds 127.0.0.1 only. Its data and logs live under DIR (default: search-engine/data).
 * It prints one line "listening on http://127.0.0.1:PORT" once it answers, runs until SIGINT or
 * SIGTERM, and exits non-zero with the cause when it cannot start (a taken port, a data folder
 * locked by another node, a bad argument).
 */
public final class SearchEngine {
    static final String CLUSTER_NAME = "shop-search";

    /** The plugins that the distribution ships as modules and the shop relies on. */
    static final List<Class<? extends Plugin>> MODULES = List.of(
        // HTTP and transport: without it the node has no REST layer.
        Netty4Plugin.class,
        // edge_ngram, synonym and synonym_graph, stemmers, word_delimiter_graph.
        CommonAnalysisPlugin.class,
        // scaled_float, search_as_you_type, rank_feature.
        MapperExtrasPlugin.class,
        // _reindex, _update_by_query, _delete_by_query: reindexing without downtime.
        ReindexPlugin.class
    );

    /** Node's constructor that takes classpath plugins is protected: MockNode's way in. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Settings settings) {
            super(InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "shop-search-1"), MODULES, true);
        }
    }

    record Options(int httpPort, String transportPort, Path home) {}

    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("search-engine: " + e.getMessage());
            System.err.println("usage: SearchEngine [--port 9200] [--transport-port 9300-9400] [--data DIR]");
            System.exit(2);
            return;
        }

        Node node = null;
        try {
            Files.createDirectories(options.home().resolve("logs"));
            node = new ClasspathNode(settings(options));
            node.start();
        } catch (Throwable e) {
            e.printStackTrace(System.err);
            closeQuietly(node);
            // Last, after the stack trace and the node's closing lines: the line a reader of a CI log finds.
            System.err.println("search-engine: OpenSearch failed to start: " + describe(e));
            System.exit(1);
            return;
        }

        TransportAddress http = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
        final Node running = node;
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("search-engine: stopping");
            closeQuietly(running);
            stopped.countDown();
        }, "search-engine-shutdown"));

        System.out.printf(
            "search-engine: OpenSearch %s with %s (cluster %s, data %s) listening on http://%s:%d%n",
            Version.CURRENT,
            MODULES.stream().map(Class::getSimpleName).toList(),
            CLUSTER_NAME,
            options.home(),
            http.getAddress(),
            http.getPort()
        );
        System.out.flush();

        // The node's threads are daemons: this thread keeps the JVM up until a signal's shutdown hook has closed it.
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static Settings settings(Options options) {
        Path home = options.home();
        return Settings.builder()
            .put("cluster.name", CLUSTER_NAME)
            .put("node.name", "shop-search-1")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("nodes").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            // One port, never a range: a taken port is a failed start, not a node on 9201 nobody looks for.
            .put("http.port", Integer.toString(options.httpPort()))
            .put("transport.port", options.transportPort())
            // A developer's disk at 90% must not turn indices read-only in the middle of a test run.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();
    }

    static Options parse(String[] args) {
        int port = intOf(envOr("SEARCH_ENGINE_PORT", "9200"), "port");
        String transportPort = envOr("SEARCH_ENGINE_TRANSPORT_PORT", "9300-9400");
        String data = System.getenv("SEARCH_ENGINE_DATA");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--port" -> port = intOf(required(arg, value), "--port");
                case "--transport-port" -> transportPort = required(arg, value);
                case "--data" -> data = required(arg, value);
                default -> throw new IllegalArgumentException("unknown argument " + arg);
            }
            i++;
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("--port must be 1-65535, got " + port);
        Path home = data != null ? Path.of(data) : defaultHome();
        return new Options(port, transportPort, home.toAbsolutePath().normalize());
    }

    /** search-engine/data, found from where the classes are (target/classes), whatever the working directory. */
    static Path defaultHome() {
        try {
            Path classes = Path.of(SearchEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return classes.getParent().getParent().resolve("data");
        } catch (URISyntaxException | NullPointerException e) {
            return Path.of("data");
        }
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    private static String required(String arg, String value) {
        if (value == null || value.startsWith("--")) throw new IllegalArgumentException(arg + " needs a value");
        return value;
    }

    private static int intOf(String value, String what) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a number, got '" + value + "'");
        }
    }

    /** The whole cause chain on one line: the root cause (BindException, LockObtainFailedException) is what a reader needs. */
    static String describe(Throwable e) {
        StringBuilder out = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (out.length() > 0) out.append(" <- caused by ");
            out.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
        }
        return out.toString();
    }

    private static void closeQuietly(Node node) {
        if (node == null) return;
        try {
            node.close();
            node.awaitClose(10, TimeUnit.SECONDS);
        } catch (IOException | RuntimeException e) {
            System.err.println("search-engine: error while stopping: " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
