package dev.tendril.flows;

import dev.tendril.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The layering rules of libs/testing ArchitectureRules, checked against this service's classes. */
class ArchitectureTest {

    @Test
    void domainDependsOnNoFrameworkAndNoAdapter() {
        ArchitectureRules.checkServiceDomain("dev.tendril.flows");
    }
}
