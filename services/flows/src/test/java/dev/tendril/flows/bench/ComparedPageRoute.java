package dev.tendril.flows.bench;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * For {@link ServiceMapPageBenchmark}: with {@code -Dui.compare=DIR}, another build of the service map page (an older
 * commit's, built with {@code vite build --base /ui-compare/ --outDir DIR}) served at {@code /ui-compare/} next to the
 * current one at {@code /ui/}, so that both are measured in one run against the same service and traffic. Without the
 * property it adds nothing.
 */
@ApplicationScoped
public class ComparedPageRoute {

    static final String PATH = "/ui-compare/";

    void serve(@Observes Router router) {
        String dir = System.getProperty("ui.compare", "");
        if (!dir.isBlank()) {
            router.route(PATH + "*")
                    .handler(StaticHandler.create(FileSystemAccess.ROOT, dir).setCachingEnabled(false));
        }
    }
}
