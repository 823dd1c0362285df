package dev.tendril.testing;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The layering rules every module checks against its compiled classes, one rule set for all:
 * a pure package (a service's {@code domain}, libs/datapath) depends on no framework, broker,
 * database, serialization or generated-protocol code, and on none of its own module's adapters.
 * Dependencies are read from the bytecode, so subpackages, fully qualified names and static
 * imports cannot slip through as they could past a scan of import lines.
 */
public final class ArchitectureRules {

    /** What a pure package must not touch. */
    private static final String[] INFRASTRUCTURE = {
        "io.quarkus..", "jakarta..", "javax..", "org.apache.kafka..", "io.grpc..", "com.google.protobuf..",
        "io.vertx..", "java.sql..", "com.fasterxml..", "io.smallrye..", "io.micrometer..", "org.jboss..",
        "dev.tendril.api..", "dev.tendril.eventstore.quarkus..", "dev.tendril.rest.."
    };

    private ArchitectureRules() {}

    /** The production classes of the packages under {@code rootPackage}, tests excluded. */
    public static JavaClasses productionClasses(String rootPackage) {
        return new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(rootPackage);
    }

    /** {@code <root>.domain} and its subpackages: pure Java, and blind to the module's adapters and app layer. */
    public static void checkServiceDomain(String rootPackage) {
        JavaClasses classes = productionClasses(rootPackage);
        String domain = rootPackage + ".domain..";
        pure(domain).check(classes);
        noClasses()
                .that()
                .resideInAPackage(domain)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(rootPackage + ".adapters..", rootPackage + ".app..")
                .because("the domain decides; adapters and the application service call it, never the reverse")
                .check(classes);
    }

    /**
     * {@code <root>.app}: the application services load, decide and append through ports the adapters
     * implement. They see no SQL, broker, framework or wire format, and no adapter.
     */
    public static void checkServiceApp(String rootPackage) {
        JavaClasses classes = productionClasses(rootPackage);
        String app = rootPackage + ".app..";
        pure(app).check(classes);
        noClasses()
                .that()
                .resideInAPackage(app)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(rootPackage + ".adapters..")
                .because("adapters implement the application's ports; the application never names them")
                .check(classes);
    }

    /** A whole library that must stay pure Java (libs/datapath). */
    public static void checkPureLibrary(String rootPackage) {
        pure(rootPackage + "..").check(productionClasses(rootPackage));
    }

    private static ArchRule pure(String packages) {
        return noClasses()
                .that()
                .resideInAPackage(packages)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(INFRASTRUCTURE)
                .because("pure code is tested without frameworks and reused by the agent, the CLI and benchmarks");
    }
}
