package dev.tendril.ipam.adapters.persistence;

import dev.tendril.eventstore.Transactions;
import dev.tendril.ipam.app.IpamQueries;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** {@link IpamQueries} on the read model's tables, each query in a transaction of its own. */
public final class JdbcIpamQueries implements IpamQueries {

    private final Transactions transactions;
    private final IpamReadModel readModel = new IpamReadModel();

    public JdbcIpamQueries(Transactions transactions) {
        this.transactions = transactions;
    }

    @Override
    public List<NodeRow> nodes() {
        return transactions.inTransaction(readModel::nodes);
    }

    @Override
    public Optional<NodeRow> node(String name) {
        return transactions.inTransaction(tx -> readModel.node(tx, name));
    }

    @Override
    public Optional<List<AllocationRow>> allocations(String node) {
        return transactions.inTransaction(tx ->
                readModel.node(tx, node).isEmpty() ? Optional.empty() : Optional.of(readModel.allocations(tx, node)));
    }

    @Override
    public List<AllocationRow> allAllocations() {
        return transactions.inTransaction(readModel::allAllocations);
    }

    @Override
    public List<String> nodesWithUnconfirmedBefore(Instant cutoff) {
        return transactions.inTransaction(tx -> readModel.nodesWithUnconfirmedBefore(tx, cutoff));
    }

    @Override
    public Usage usage() {
        return transactions.inTransaction(tx -> new Usage(readModel.nodes(tx), readModel.allocatedPerFamily(tx)));
    }
}
