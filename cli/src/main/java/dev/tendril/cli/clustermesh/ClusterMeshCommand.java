package dev.tendril.cli.clustermesh;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code tendril clustermesh}: the subcommands only. */
@Command(
        name = "clustermesh",
        mixinStandardHelpOptions = true,
        description = {
            "Connect this cluster to peer clusters: the launcher runs MirrorMaker 2 per peer, copying the peer's",
            "identities, endpoints, nodes and services into <peer>.tendril.* here (docs/clustermesh.md)."
        },
        subcommands = {
            ConnectCommand.class,
            DisconnectCommand.class,
            MeshStatusCommand.class,
            CommandLine.HelpCommand.class
        })
public final class ClusterMeshCommand implements Runnable {

    /** The launcher's ClusterMesh resource. */
    static final String PEERS = "/v1/clustermesh/peers";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing a subcommand: connect, disconnect or status");
    }
}
