package dev.memu.arch;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The layering of DESIGN.md, checked on the compiled classes: the core is a library that knows
 * nothing of its two clients (the CLI, JMH); the access layer and the machine sit at the bottom;
 * no two packages need each other.
 */
class LayeringTest {

    private static JavaClasses core;

    @BeforeAll
    static void importCore() {
        core = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("dev.memu");
    }

    @Test
    void coreKnowsNothingOfItsClients() {
        noClasses().should().dependOnClassesThat()
                .resideInAnyPackage("dev.memu.cli..", "dev.memu.perf..", "dev.memu.jcstress..",
                        "org.openjdk.jmh..", "picocli..")
                .check(core);
    }

    @Test
    void accessDependsOnNothingOfMemu() {
        noClasses().that().resideInAPackage("dev.memu.access..")
                .should().dependOnClassesThat().resideInAPackage("dev.memu..")
                .andShould().dependOnClassesThat().resideOutsideOfPackages("dev.memu.access..", "java..")
                .allowEmptyShould(false)
                .check(core);
    }

    @Test
    void machineDependsOnlyOnTheAccessLayer() {
        noClasses().that().resideInAPackage("dev.memu.machine..")
                .should().dependOnClassesThat().resideOutsideOfPackages("dev.memu.machine..", "dev.memu.access..", "java..")
                .check(core);
    }

    @Test
    void noPackageCycles() {
        slices().matching("dev.memu.(*)..").should().beFreeOfCycles().check(core);
    }

    /** The rules can fail: a made-up dependency of access on the machine is caught. */
    @Test
    void theAccessRuleCatchesAViolation() {
        final JavaClasses offender = new ClassFileImporter().importClasses(
                dev.memu.access.Region.class, dev.memu.machine.Machine.class, Offender.class);
        final ArchRule rule = noClasses().that().haveSimpleName("Offender")
                .should().dependOnClassesThat().resideInAPackage("dev.memu.machine..");
        final EvaluationResult result = rule.evaluate(offender);
        assertTrue(result.hasViolation(), "a class that uses Machine must violate the rule");
    }

    /** Stands in for an access-layer class that reaches up into the machine. */
    static final class Offender {
        long pages(final dev.memu.machine.Machine m) {
            return m.pages();
        }
    }
}
