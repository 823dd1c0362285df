package dev.tendril.cli.credentials;

import dev.tendril.cli.config.ConfigFile;
import dev.tendril.cli.stack.Component;
import dev.tendril.cli.stack.Kind;
import dev.tendril.cli.stack.StackFile;
import dev.tendril.cli.stack.StackOption;
import dev.tendril.security.AuthorityRotation;
import dev.tendril.security.Credential;
import dev.tendril.security.Pem;
import dev.tendril.security.StackCredentials;
import dev.tendril.security.Subject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code tendril credentials issue|rotate}: both sign with the local stack's authority key in
 * {@code <data-dir>/pki}, so only who can read the data directory (the stack's owner, its admin) can run them.
 */
@Command(
        name = "credentials",
        mixinStandardHelpOptions = true,
        description = {
            "Issue or rotate certificates of the local stack. Runs on the stack's machine with its certificate",
            "authority key (DATA/pki/ca.key): whoever can read the data directory is its admin."
        },
        subcommands = {
            CredentialsCommand.Issue.class,
            CredentialsCommand.Rotate.class,
            CredentialsCommand.RetireAuthority.class
        })
public final class CredentialsCommand implements Runnable {

    /** The cluster name in the config files written for this stack. */
    static final String CLUSTER = "tendril";

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing a command: issue, rotate or retire-authority");
    }

    static StackCredentials pki(Path dataDir) {
        StackCredentials pki = StackCredentials.in(dataDir.resolve("pki"));
        if (!Files.exists(pki.authority().privateKey())) {
            throw new IllegalStateException(
                    "no certificate authority in " + pki.directory().toAbsolutePath()
                            + ": './tendril up' creates it (or pass the stack's --data-dir)");
        }
        return pki;
    }

    /** {@code tendril credentials issue NAME --role ROLE [-o FILE]}. */
    @Command(
            name = "issue",
            mixinStandardHelpOptions = true,
            description = {
                "Issue NAME a client certificate with ROLE and write a self-contained config file (authority,",
                "certificate and key inline) for them: 'tendril --config FILE ...' or $TENDRIL_CONFIG."
            })
    static final class Issue implements Callable<Integer> {

        @Parameters(paramLabel = "NAME", description = "The user's name (the certificate's CN).")
        String name;

        @Option(
                names = "--role",
                required = true,
                paramLabel = "ROLE",
                description = "viewer (reads, observe), operator (changes policies, namespaces, pods) or admin.")
        String role;

        @Option(
                names = {"-o", "--output"},
                paramLabel = "FILE",
                description = "Write the config to FILE (mode 0600) instead of standard output.")
        Path output;

        @Mixin
        StackOption stackOption;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (!List.of(Subject.ROLE_VIEWER, Subject.ROLE_OPERATOR, Subject.ROLE_ADMIN)
                    .contains(role)) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--role must be viewer, operator or admin, was '" + role + "'");
            }
            Path dataDir = stackOption.dataDir().toAbsolutePath().normalize();
            StackCredentials pki = pki(dataDir);
            Subject subject;
            try {
                subject = Subject.user(name, role);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "NAME: " + e.getMessage());
            }
            Credential issued = pki.issue(pki.user(name), subject, List.of(), Instant.now());
            String config = ConfigFile.inline(
                    CLUSTER,
                    dataDir,
                    serviceUrls(dataDir),
                    read(pki.authority().certificate()),
                    name,
                    read(issued.certificate()),
                    read(issued.privateKey()));
            if (output == null) {
                spec.commandLine().getOut().print(config);
                spec.commandLine().getOut().flush();
            } else {
                ConfigFile.writeSecret(output, config);
                spec.commandLine()
                        .getOut()
                        .printf(
                                "Wrote %s (mode 0600): %s, role %s, valid until %s. Use it with 'tendril --config %s "
                                        + "...' or TENDRIL_CONFIG=%s.%n",
                                output,
                                name,
                                role,
                                Pem.readCertificate(issued.certificate())
                                        .getNotAfter()
                                        .toInstant(),
                                output,
                                output);
                spec.commandLine().getOut().flush();
            }
            return 0;
        }

        private static Map<String, String> serviceUrls(Path dataDir) {
            Map<String, String> urls = new LinkedHashMap<>();
            StackFile.read(dataDir).ifPresent(stack -> {
                for (Component c : stack.components()) {
                    if (c.kind() == Kind.SERVICE || c.kind() == Kind.AGENT) {
                        urls.put(c.name(), c.url());
                    }
                }
            });
            return urls;
        }

        private static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot read " + file, e);
            }
        }
    }

    /** {@code tendril credentials rotate [--authority [--wait SECONDS]]}. */
    @Command(
            name = "rotate",
            mixinStandardHelpOptions = true,
            description = {
                "New certificates and keys for every service, agent, Kafka client, the Kafka broker, the launcher and",
                "the admin, same names. Nothing restarts: services and agents reload their files within 10 s, clients",
                "(Kafka's too) use the new ones for new connections. With --authority, first a new certificate",
                "authority: trusted beside the old one, then (after --wait) signing every new certificate; the old one",
                "stays trusted until 'tendril credentials retire-authority'."
            })
    static final class Rotate implements Callable<Integer> {

        /** Services, agents and the broker reload their files every 10 s; twice that covers both and a slow reload. */
        static final int DEFAULT_WAIT_SECONDS = 20;

        @Option(
                names = "--authority",
                description = "Also replace the certificate authority (DATA/pki/ca.crt, ca.key).")
        boolean authority;

        @Option(
                names = "--wait",
                paramLabel = "SECONDS",
                defaultValue = "" + DEFAULT_WAIT_SECONDS,
                description = {
                    "With --authority: how long the running stack gets to trust the new authority before it signs",
                    "(default: ${DEFAULT-VALUE}; 0 when the stack is down)."
                })
        int waitSeconds;

        @Mixin
        StackOption stackOption;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            if (waitSeconds < 0) {
                throw new CommandLine.ParameterException(
                        spec.commandLine(), "--wait must be 0 or more seconds, was " + waitSeconds);
            }
            StackCredentials pki = pki(stackOption.dataDir());
            var out = spec.commandLine().getOut();
            String where = pki.directory().toAbsolutePath().normalize().toString();
            List<String> renewed;
            if (authority) {
                AuthorityRotation rotation = AuthorityRotation.of(pki);
                X509Certificate next = rotation.introduce(Instant.now());
                out.println("New certificate authority " + describe(next) + " trusted beside the old one in "
                        + where + "/ca.crt; waiting " + waitSeconds + " s for services, agents and the broker to "
                        + "reload it");
                out.flush();
                TimeUnit.SECONDS.sleep(waitSeconds);
                renewed = rotation.switchOver(List.of("admin"), Instant.now());
                out.println("The new authority signs from now on. Rotated " + renewed.size() + " certificates in "
                        + where + ": " + String.join(", ", renewed));
                out.println("The old authority stays trusted until 'tendril credentials retire-authority'. Configs "
                        + "from 'tendril credentials issue' made before this rotation trust only the old authority "
                        + "and no longer verify the stack's certificates: issue them again.");
            } else {
                renewed = pki.rotate(List.of("admin"), Instant.now());
                out.println(
                        "Rotated " + renewed.size() + " certificates in " + where + ": " + String.join(", ", renewed));
                out.println("Services and agents serve the new ones within 10 s (their TLS files are reloaded); "
                        + "certificates issued before stay valid until they expire.");
            }
            out.flush();
            return 0;
        }
    }

    /** {@code tendril credentials retire-authority}. */
    @Command(
            name = "retire-authority",
            mixinStandardHelpOptions = true,
            description = {
                "Stop trusting the authorities a 'rotate --authority' replaced: DATA/pki/ca.crt keeps the signing one",
                "alone (services and agents reload it within 10 s). Refused while a certificate of the stack itself",
                "is still issued by one of them; certificates handed out with 'credentials issue' before the",
                "rotation stop working."
            })
    static final class RetireAuthority implements Callable<Integer> {

        @Mixin
        StackOption stackOption;

        @Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            StackCredentials pki = pki(stackOption.dataDir());
            List<X509Certificate> retired = AuthorityRotation.of(pki).retire(List.of("admin"));
            var out = spec.commandLine().getOut();
            if (retired.isEmpty()) {
                out.println("Only the signing authority is trusted: nothing to retire.");
            } else {
                out.println("No longer trusted: "
                        + String.join(
                                ", ",
                                retired.stream()
                                        .map(CredentialsCommand::describe)
                                        .toList()) + ". Services and agents reload the authorities within 10 s.");
            }
            out.flush();
            return 0;
        }
    }

    static String describe(X509Certificate authority) {
        return authority.getSubjectX500Principal().getName() + " (serial "
                + authority.getSerialNumber().toString(16) + ", valid until "
                + authority.getNotAfter().toInstant() + ")";
    }
}
