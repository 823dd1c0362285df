package dev.tendril.rest.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a rule's path pattern matches a request path: what every access decision starts from. */
class AccessRuleTest {

    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource({
        // exact segments; slashes at either end or repeated separate nothing
        "/v1/policies, /v1/policies, true",
        "/v1/policies, v1/policies/, true",
        "/v1/policies, //v1///policies, true",
        "/v1/policies, /v1/policie, false",
        "/v1/policies, /v1/policiesX, false",
        "/v1/policies, /v1, false",
        "/v1/policies, /v1/policies/x, false",
        // * is exactly one segment
        "/v1/*/pods, /v1/demo/pods, true",
        "/v1/*/pods, /v1/pods, false",
        "/v1/*/pods, /v1/a/b/pods, false",
        "/v1/*, /v1/, false",
        // a trailing ** is any rest, none included
        "/q/health/**, /q/health, true",
        "/q/health/**, /q/health/, true",
        "/q/health/**, /q/health/ready/x, true",
        "/q/health/**, /q/healthz, false",
        "/q/health/**, /q, false",
        "/**, /, true",
        "/**, /anything/at/all, true",
        // ** before the end is a literal segment
        "/a/**/b, /a/x/b, false",
        "/a/**/b, /a/**/b, true",
        // the empty pattern is the root only
        "/, /, true",
        "/, /x, false",
        "/tendril.v1.Ipam/*, /tendril.v1.Ipam/AllocatePodIps, true",
        "/tendril.v1.Ipam/*, /tendril.v1.Identity/AllocatePodIps, false",
    })
    void matchesSegmentBySegment(String pattern, String path, boolean matches) {
        assertThat(AccessRule.pathMatches(pattern, path)).isEqualTo(matches);
        assertThat(new AccessRule(Set.of(), pattern, Requirement.none()).matches("GET", path))
                .isEqualTo(matches);
    }

    @ParameterizedTest(name = "{0} on a GET-only rule -> {1}")
    @CsvSource({"GET, true", "get, true", "POST, false"})
    void methodsAreComparedWithoutCase(String method, boolean matches) {
        assertThat(new AccessRule(Set.of("get"), "/v1/**", Requirement.none()).matches(method, "/v1/x"))
                .isEqualTo(matches);
    }
}
