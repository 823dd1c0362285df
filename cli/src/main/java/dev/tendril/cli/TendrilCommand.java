package dev.tendril.cli;

import dev.tendril.cli.api.ServiceException;
import dev.tendril.cli.apply.ApplyCommand;
import dev.tendril.cli.apply.DeleteCommand;
import dev.tendril.cli.bpf.BpfCommand;
import dev.tendril.cli.connectivity.ConnectivityCommand;
import dev.tendril.cli.demo.DemoCommand;
import dev.tendril.cli.get.GetCommand;
import dev.tendril.cli.observe.ObserveCommand;
import dev.tendril.cli.policy.PolicyCommand;
import dev.tendril.cli.restart.RestartCommand;
import dev.tendril.cli.status.StatusCommand;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tendril}: the operator's command line. Subcommands do the work; this class wires them and the error handling. */
@Command(
        name = "tendril",
        mixinStandardHelpOptions = true,
        versionProvider = TendrilCommand.Version.class,
        description = "Operate a Tendril control plane.",
        subcommands = {
            StatusCommand.class,
            RestartCommand.class,
            GetCommand.class,
            ApplyCommand.class,
            DeleteCommand.class,
            dev.tendril.cli.history.HistoryCommand.class,
            PolicyCommand.class,
            dev.tendril.cli.ipam.IpamCommand.class,
            ConnectivityCommand.class,
            BpfCommand.class,
            ObserveCommand.class,
            dev.tendril.cli.ui.UiCommand.class,
            dev.tendril.cli.exec.ExecCommand.class,
            DemoCommand.class,
            dev.tendril.cli.credentials.CredentialsCommand.class,
            dev.tendril.cli.clustermesh.ClusterMeshCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TendrilCommand implements Runnable {

    /** Exit code of a command that could not do its work (bad input, unreadable file, unreachable server). */
    public static final int EXIT_ERROR = 1;
    /** Exit code of a command line picocli could not parse. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing a command (try 'tendril status')");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests call {@code execute} on it with their own writers. */
    public static CommandLine commandLine() {
        CommandLine cmd = new CommandLine(new TendrilCommand());
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.registerConverter(java.time.Duration.class, new DurationConverter());
        cmd.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("Error: " + ex.getMessage() + " (see '"
                    + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            err.flush();
            return EXIT_USAGE;
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("Error: " + oneLine(ex));
            if (ex instanceof ServiceException refused) {
                refused.details().forEach(line -> err.println("  " + line));
            }
            err.flush();
            return EXIT_ERROR;
        });
        return cmd;
    }

    private static String oneLine(Throwable ex) {
        String message = ex.getMessage();
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        return message.lines().findFirst().orElse(message);
    }

    /** The version the jar's manifest carries; "dev" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = TendrilCommand.class.getPackage().getImplementationVersion();
            return new String[] {
                "tendril " + (version == null ? "dev" : version), "Java ${java.version} (${java.vendor})"
            };
        }
    }
}
