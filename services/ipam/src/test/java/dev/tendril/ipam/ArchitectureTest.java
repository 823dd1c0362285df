package dev.tendril.ipam;

import dev.tendril.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The layering rules of libs/testing ArchitectureRules, checked against this service's classes. */
class ArchitectureTest {

    @Test
    void domainDependsOnNoFrameworkAndNoAdapter() {
        ArchitectureRules.checkServiceDomain("dev.tendril.ipam");
    }

    @Test
    void appSeesNoSqlFrameworkOrAdapter() {
        ArchitectureRules.checkServiceApp("dev.tendril.ipam");
    }
}
