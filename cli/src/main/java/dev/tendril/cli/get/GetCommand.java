package dev.tendril.cli.get;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tendril get <resource>}: lists one kind of resource like {@code kubectl get}. Each resource is a
 * subcommand class in the package of the service that owns it, registered here.
 */
@Command(
        name = "get",
        mixinStandardHelpOptions = true,
        description = "List resources: identities, namespaces, endpoints, nodes, allocations, policies, services,"
                + " endpointslices.",
        subcommands = {
            dev.tendril.cli.identity.GetIdentitiesCommand.class,
            dev.tendril.cli.identity.GetNamespacesCommand.class,
            dev.tendril.cli.identity.GetEndpointsCommand.class,
            dev.tendril.cli.ipam.GetNodesCommand.class,
            dev.tendril.cli.ipam.GetAllocationsCommand.class,
            dev.tendril.cli.policy.GetPoliciesCommand.class,
            dev.tendril.cli.services.GetServicesCommand.class,
            dev.tendril.cli.services.GetEndpointSlicesCommand.class
        })
public final class GetCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing a resource (try 'tendril get --help')");
    }
}
