package dev.tendril.policy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import dev.tendril.testing.ArchitectureRules;
import org.junit.jupiter.api.Test;

/** The layering rules of libs/testing ArchitectureRules, checked against this service's classes. */
class ArchitectureTest {

    @Test
    void domainDependsOnNoFrameworkAndNoAdapter() {
        ArchitectureRules.checkServiceDomain("dev.tendril.policy");
    }

    @Test
    void appDependsOnNoSqlFrameworkOrAdapter() {
        ArchitectureRules.checkServiceApp("dev.tendril.policy");
    }

    @Test
    void loadBalancingDomainIsPureAndBlindToAdaptersAndApp() {
        ArchitectureRules.checkPureLibrary("dev.tendril.policy.lb");
        noClasses()
                .that()
                .resideInAPackage("dev.tendril.policy.lb..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.tendril.policy.adapters..", "dev.tendril.policy.app..", "dev.tendril.policy.manifest..")
                .check(ArchitectureRules.productionClasses("dev.tendril.policy"));
    }

    /** Checked here, where its classes are on the class path: libs/datapath itself has no test support. */
    @Test
    void datapathLibraryIsPureJava() {
        ArchitectureRules.checkPureLibrary("dev.tendril.datapath");
    }
}
