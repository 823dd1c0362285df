package dev.tendril.deploy;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs of a ClusterMesh link, beside {@link KafkaAcls}' (whose {@code apply} leaves these principals alone). On
 * the peer's broker, this cluster's MirrorMaker 2 ({@code User:mesh:<local>}) may read and describe the four
 * replicated topics and nothing else: it assigns partitions (no consumer group) and keeps its offsets, offset-syncs
 * and Connect topics in the local Kafka. On the local broker, the MirrorMaker 2 of a peer ({@code User:mirror:<peer>})
 * owns the remote topics {@code <peer>.*}, Connect's internal topics {@code mm2-*.<peer>.internal} and
 * {@code mm2-offset-syncs.<peer>.internal}, and its worker group {@code <peer>-mm2}; it cannot touch a local topic.
 */
final class MeshAcls {

    /** What a peer publishes to its mesh: the topics MirrorMaker 2 copies. */
    static final List<String> REPLICATED_TOPICS =
            List.of(KafkaAcls.IDENTITIES, KafkaAcls.ENDPOINTS, KafkaAcls.NODES, KafkaAcls.SERVICES_TOPIC);

    private static final List<AclOperation> READ =
            List.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);

    private MeshAcls() {}

    /** Removes {@link #atPeer} of {@code localCluster} from the broker {@code admin} talks to. */
    static void removeAtPeer(Admin admin, String localCluster, int timeoutSeconds)
            throws InterruptedException, ExecutionException, TimeoutException {
        admin.deleteAcls(atPeer(localCluster).stream().map(AclBinding::toFilter).toList())
                .all()
                .get(timeoutSeconds, TimeUnit.SECONDS);
    }

    /** On the peer's broker: the local cluster's MirrorMaker 2 reads the replicated topics. */
    static Set<AclBinding> atPeer(String localCluster) {
        Set<AclBinding> acls = new LinkedHashSet<>();
        String principal = MeshCredentials.peerPrincipal(localCluster);
        for (String topic : REPLICATED_TOPICS) {
            for (AclOperation operation : READ) {
                acls.add(allow(ResourceType.TOPIC, topic, PatternType.LITERAL, principal, operation));
            }
        }
        return acls;
    }

    /** On the local broker: the peer's MirrorMaker 2 writes its remote topics and keeps its Connect state. */
    static Set<AclBinding> local(String peer) {
        Set<AclBinding> acls = new LinkedHashSet<>();
        String principal = MeshCredentials.mirrorPrincipal(peer);
        acls.add(allow(ResourceType.TOPIC, peer + ".", PatternType.PREFIXED, principal, AclOperation.ALL));
        for (String internal : List.of("configs", "offsets", "status", "offset-syncs")) {
            acls.add(allow(
                    ResourceType.TOPIC,
                    "mm2-" + internal + "." + peer + ".internal",
                    PatternType.LITERAL,
                    principal,
                    AclOperation.ALL));
        }
        acls.add(allow(ResourceType.GROUP, peer + "-mm2", PatternType.LITERAL, principal, AclOperation.ALL));
        return acls;
    }

    private static AclBinding allow(
            ResourceType type, String name, PatternType pattern, String principal, AclOperation operation) {
        return new AclBinding(
                new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", operation, AclPermissionType.ALLOW));
    }
}
