package dev.tendril.deploy;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Who may do what on the local stack's broker. Each service writes (and creates, and reads back) only its own
 * topics: its event log {@code tendril.<service>.events} and the state topics it projects; it reads the topics it
 * follows. Agents read the five map topics and write only {@code tendril.flows}; the flows service reads flows (and
 * creates the topic with its retention) but cannot write one. One consumer group exists: the flows service's
 * {@code flows} channel (Reactive Messaging) joins a group of its own per replica, named {@value #FLOWS_GROUPS}
 * followed by a random id, and commits nothing; the service may use the groups of that prefix (READ, DESCRIBE). Every
 * other client assigns its partitions, and nobody uses transactions, so there are no other group and no
 * transactional-id ACLs.
 *
 * <p>ClusterMesh: every service and node may read {@code tendril.mesh.peers} (the peers, written by the launcher as
 * the broker's super user) and, for each connected peer, its remote topics {@code <peer>.tendril.*}, which the peer's
 * MirrorMaker 2 writes with the ACLs of {@link MeshAcls}.
 *
 * <p>The broker cannot look into records, so it cannot check that an agent keys its flows by its own node: a
 * stolen node credential can write flows that claim another node, but no map topic, no event log, no policy.
 */
final class KafkaAcls {

    static final String IDENTITIES = "tendril.identities";
    static final String ENDPOINTS = "tendril.endpoints";
    static final String NODES = "tendril.nodes";
    static final String POLICY = "tendril.policy";
    /** Each subject's latest revision on {@link #POLICY}: what agents follow to fetch their own maps (docs/topics.md). */
    static final String POLICY_REVISIONS = "tendril.policy.revisions";
    /** The policy service's Services as load-balancing map content (docs/services.md). */
    static final String SERVICES_TOPIC = "tendril.services";

    static final String FLOWS = "tendril.flows";
    /** The prefix of the flows service's consumer groups (mp.messaging.incoming.flows.group.id). */
    static final String FLOWS_GROUPS = "tendril-flows-";
    /** The ClusterMesh peers (docs/clustermesh.md), compacted, keyed by peer cluster name. */
    static final String MESH_PEERS = "tendril.mesh.peers";
    /** What agents follow to program their maps. */
    static final List<String> MAP_TOPICS =
            List.of(IDENTITIES, ENDPOINTS, NODES, POLICY, POLICY_REVISIONS, SERVICES_TOPIC);

    /** A service's own topics (written, created, read back) and those it only reads. */
    record ServiceTopics(String service, List<String> writes, List<String> reads) {
        String eventLog() {
            return "tendril." + service + ".events";
        }
    }

    static final List<ServiceTopics> SERVICES = List.of(
            new ServiceTopics("identity", List.of(IDENTITIES, ENDPOINTS), List.of(NODES)),
            new ServiceTopics("ipam", List.of(NODES), List.of(ENDPOINTS)),
            new ServiceTopics(
                    "policy", List.of(POLICY, POLICY_REVISIONS, SERVICES_TOPIC), List.of(IDENTITIES, ENDPOINTS)),
            new ServiceTopics("flows", List.of(), List.of(FLOWS, ENDPOINTS, POLICY, NODES)));

    private static final List<AclOperation> OWN =
            List.of(AclOperation.READ, AclOperation.WRITE, AclOperation.CREATE, AclOperation.DESCRIBE);
    private static final List<AclOperation> READ = List.of(AclOperation.READ, AclOperation.DESCRIBE);
    private static final List<AclOperation> PRODUCE = List.of(AclOperation.WRITE, AclOperation.DESCRIBE);
    private static final String SERVICE_PREFIX = "User:service:";
    private static final String NODE_PREFIX = "User:node:";
    private static final int TIMEOUT_SECONDS = 30;

    private KafkaAcls() {}

    static String servicePrincipal(String service) {
        return SERVICE_PREFIX + service;
    }

    static String nodePrincipal(String node) {
        return NODE_PREFIX + node;
    }

    /** Every ACL of a stack whose agents run on {@code nodes}, without ClusterMesh peers. */
    static Set<AclBinding> of(Collection<String> nodes) {
        return of(nodes, List.of());
    }

    /** Every ACL of a stack whose agents run on {@code nodes} and that replicates from {@code peers}. */
    static Set<AclBinding> of(Collection<String> nodes, Collection<String> peers) {
        Set<AclBinding> acls = new LinkedHashSet<>();
        for (ServiceTopics service : SERVICES) {
            String principal = servicePrincipal(service.service());
            allow(acls, principal, service.eventLog(), OWN);
            service.writes().forEach(topic -> allow(acls, principal, topic, OWN));
            service.reads().forEach(topic -> allow(acls, principal, topic, READ));
        }
        // The flows service makes tendril.flows with its time-based retention, wherever the agents start first.
        allow(acls, servicePrincipal("flows"), FLOWS, List.of(AclOperation.CREATE));
        for (AclOperation operation : READ) {
            acls.add(new AclBinding(
                    new ResourcePattern(ResourceType.GROUP, FLOWS_GROUPS, PatternType.PREFIXED),
                    new AccessControlEntry(servicePrincipal("flows"), "*", operation, AclPermissionType.ALLOW)));
        }
        for (String node : nodes) {
            String principal = nodePrincipal(node);
            MAP_TOPICS.forEach(topic -> allow(acls, principal, topic, READ));
            allow(acls, principal, FLOWS, PRODUCE);
        }
        List<String> readers = new ArrayList<>();
        SERVICES.forEach(service -> readers.add(servicePrincipal(service.service())));
        nodes.forEach(node -> readers.add(nodePrincipal(node)));
        for (String reader : readers) {
            allow(acls, reader, MESH_PEERS, READ);
            for (String peer : peers) {
                for (AclOperation operation : READ) {
                    acls.add(new AclBinding(
                            new ResourcePattern(ResourceType.TOPIC, peer + ".tendril.", PatternType.PREFIXED),
                            new AccessControlEntry(reader, "*", operation, AclPermissionType.ALLOW)));
                }
            }
        }
        return acls;
    }

    /**
     * Makes the broker's ACLs those of {@link #of}: creates the missing ones and deletes the other ACLs of service and
     * node principals (a node the stack no longer runs loses its access). ACLs of other principals stay.
     */
    static void apply(Admin admin, Collection<String> nodes)
            throws InterruptedException, ExecutionException, TimeoutException {
        apply(admin, nodes, List.of());
    }

    /** {@link #apply(Admin, Collection)} with the read ACLs of the remote topics of {@code peers}. */
    static void apply(Admin admin, Collection<String> nodes, Collection<String> peers)
            throws InterruptedException, ExecutionException, TimeoutException {
        Set<AclBinding> wanted = of(nodes, peers);
        Set<AclBinding> existing =
                new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        List<AclBindingFilter> stale = new ArrayList<>();
        for (AclBinding acl : existing) {
            String principal = acl.entry().principal();
            boolean managed = principal.startsWith(SERVICE_PREFIX) || principal.startsWith(NODE_PREFIX);
            if (managed && !wanted.contains(acl)) {
                stale.add(acl.toFilter());
            }
        }
        if (!stale.isEmpty()) {
            admin.deleteAcls(stale).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        List<AclBinding> missing =
                wanted.stream().filter(acl -> !existing.contains(acl)).toList();
        if (!missing.isEmpty()) {
            admin.createAcls(missing).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static void allow(Set<AclBinding> acls, String principal, String topic, List<AclOperation> operations) {
        for (AclOperation operation : operations) {
            acls.add(new AclBinding(
                    new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL),
                    new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW)));
        }
    }
}
