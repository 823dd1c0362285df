package dev.tendril.agent.sim;

import dev.tendril.api.v1.DeregisterEndpointRequest;
import dev.tendril.api.v1.Endpoint;
import dev.tendril.api.v1.IdentityServiceGrpc;
import dev.tendril.api.v1.Node;
import dev.tendril.api.v1.RegisterEndpointRequest;
import dev.tendril.api.v1.UpsertNamespaceRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * {@link ChurnDriver}'s plan driven through the real identity and policy services (benchmark mode
 * {@code -Dservices=real}): pods registered and deregistered with the identity service's gRPC
 * ({@code RegisterEndpoint} / {@code DeregisterEndpoint}, the calls an agent's CNI path makes), which allocates their
 * identities and publishes identities and endpoints; policies applied and deleted at the policy service's REST API
 * ({@code PUT /v1/policies}, {@code DELETE /v1/policies/NetworkPolicy/seed/change-j}), which computes and publishes the
 * maps. Only the nodes are published here, as IPAM would (IPAM is not in the loop).
 *
 * <p>Seed workload {@code w} is the pods labelled {@code app=app-w} in namespace {@code seed} (never stopped), with a
 * NetworkPolicy allowing ingress from {@code policyEntries - 1} other workloads; churn pod {@code k} is labelled
 * {@code app=churn-(k / podsPerNewIdentity)} in namespace {@code churn}, so every {@code podsPerNewIdentity}-th pod
 * makes the service allocate a new identity, at {@link ChurnMarks#podAddress}. Policy change {@code j} is a
 * NetworkPolicy selecting {@code subjectsPerChange} seed workloads and allowing ingress on
 * {@link ChurnMarks#changePort}; change {@code j - 4}'s is deleted at the same moment. Calls are asynchronous, on the
 * plan's open-loop schedule; a pod's deregistration waits for its registration's answer.
 */
public final class ServicesChurnDriver implements ClusterChurn {

    private static final int SEED_IN_FLIGHT = 32;
    private static final int POLICIES_PER_PUT = 50;

    private final ChurnDriver.Plan plan;
    private final StateTopics topics;
    private final String servers;
    private final ManagedChannel channel;
    private final IdentityServiceGrpc.IdentityServiceStub identity;
    private final HttpClient http = HttpClient.newHttpClient();
    private final URI policies;
    private final KafkaProducer<String, byte[]> nodes;
    private final PolicyPublishWatch watch;

    /** Seed workload w's identity, as the identity service allocated it. */
    private final Map<Integer, Long> workloadIdentity = new ConcurrentHashMap<>();

    private final Set<Long> knownIdentities = ConcurrentHashMap.newKeySet();
    /** Live pods per identity and node: the agents that need an identity's policy map. */
    private final Map<Long, Map<String, Integer>> podsOf = new ConcurrentHashMap<>();

    private final Queue<CompletableFuture<?>> calls = new ConcurrentLinkedQueue<>();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicReference<String> firstFailure = new AtomicReference<>();
    private final AtomicInteger identitiesCreated = new AtomicInteger();
    private ChurnDriver.Totals last;

    /** {@code identityGrpc}: host:port of the identity service; {@code policyUrl}: the policy service's base URL. */
    public ServicesChurnDriver(
            ChurnDriver.Plan plan, String servers, StateTopics topics, String identityGrpc, String policyUrl) {
        this.plan = plan;
        this.topics = topics;
        this.servers = servers;
        this.channel = Grpc.newChannelBuilder(identityGrpc, InsecureChannelCredentials.create())
                .build();
        this.identity = IdentityServiceGrpc.newStub(channel);
        this.policies = URI.create(policyUrl + "/v1/policies");
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        this.nodes = new KafkaProducer<>(p);
        this.watch = new PolicyPublishWatch(
                servers,
                topics.policy(),
                id -> podsOf.getOrDefault(id, Map.of()).size());
    }

    @Override
    public void seed() {
        for (int n = 1; n <= plan.nodes(); n++) {
            String name = SimulatedCluster.nodeName(plan.nodePrefix(), n);
            nodes.send(new ProducerRecord<>(
                    topics.nodes(),
                    name,
                    Node.newBuilder()
                            .setName(name)
                            .addIps("172.16." + (n >> 8) + "." + (n & 0xFF))
                            .addPodCidrs("10." + (64 + (n >> 8)) + "." + (n & 0xFF) + ".0/24")
                            .setCluster("default")
                            .build()
                            .toByteArray()));
        }
        nodes.flush();
        for (String namespace : List.of("seed", "churn")) {
            this.<dev.tendril.api.v1.NamespaceInfo>call(o -> identity.upsertNamespace(
                            UpsertNamespaceRequest.newBuilder()
                                    .setName(namespace)
                                    .build(),
                            o))
                    .join();
        }
        Semaphore inFlight = new Semaphore(SEED_IN_FLIGHT);
        int pods = plan.nodes() * plan.seedPodsPerNode();
        for (int i = 0; i < pods; i++) {
            // The spread of ChurnDriver's seed: a workload's pods on different nodes.
            int round = i / plan.seedIdentities();
            String node = SimulatedCluster.nodeName(plan.nodePrefix(), 1 + (i + round) % plan.nodes());
            int workload = i % plan.seedIdentities();
            String ip = "10." + ((i >> 16) & 0x7F) + "." + ((i >> 8) & 0xFF) + "." + (i & 0xFF);
            inFlight.acquireUninterruptibly();
            register("seed", "pod-" + i, node, ip, "app-" + workload)
                    .thenAccept(e -> workloadIdentity.put(workload, (long) e.getIdentity()))
                    .whenComplete((x, failure) -> inFlight.release());
        }
        drain(Duration.ofMinutes(10));
        knownIdentities.addAll(workloadIdentity.values());
        List<String> documents = new ArrayList<>();
        for (int w = 0; w < plan.seedIdentities() && plan.policyEntries() > 1; w++) {
            documents.add(ChurnManifests.seed(w, plan));
            if (documents.size() == POLICIES_PER_PUT || w == plan.seedIdentities() - 1) {
                track(put(String.join("---\n", documents))).join();
                documents.clear();
            }
        }
        settle(Duration.ofMinutes(10));
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " seed calls failed, the first: " + firstFailure.get());
        }
    }

    @Override
    public ChurnDriver.Totals churn(long startMicros, List<Duration> restartTimes, IntConsumer restart) {
        long startNanos = System.nanoTime() - (AgentHost.nowMicros() - startMicros) * 1000;
        watch.startCounting();
        ArrayDeque<CompletableFuture<Endpoint>> running = new ArrayDeque<>();
        int[] stopped = {0};
        ChurnSchedule.Counts ran = ChurnSchedule.run(
                plan,
                startNanos,
                restartTimes,
                k -> {
                    running.add(startPod(k));
                    if (running.size() > plan.livePods()) {
                        track(running.poll().thenCompose(this::deregister));
                        stopped[0]++;
                    }
                },
                this::changePolicy,
                restart);
        drain(Duration.ofMinutes(5));
        last = totals(ran.pods(), stopped[0], ran.policyChanges());
        return last;
    }

    @Override
    public ChurnDriver.Totals settle(Duration guard) {
        TopicsQuiet.await(
                servers,
                List.of(topics.identities(), topics.endpoints(), topics.policy(), topics.policyRevisions()),
                () -> watch.incomplete() == 0,
                guard);
        if (last != null) {
            last = totals(last.podsStarted(), last.podsStopped(), last.policyChanges());
        }
        return last;
    }

    /** Calls that failed (each an API error or a timeout) and the first one's message. */
    public String failures() {
        return failures.get() == 0 ? "none" : failures.get() + ", the first: " + firstFailure.get();
    }

    /** Policy changes whose subjects did not all get the change's port on the topic. */
    public int changesNotPublished() {
        return watch.incomplete();
    }

    /** From each change's PUT to its last subject's map with its port on the policy topic. */
    public LatencyHistogram recompute() {
        return watch.recompute();
    }

    private ChurnDriver.Totals totals(int started, int stopped, int changes) {
        return new ChurnDriver.Totals(
                started,
                stopped,
                identitiesCreated.get(),
                changes,
                (int) watch.records(),
                watch.bytes(),
                watch.bytesNeeded());
    }

    private CompletableFuture<Endpoint> startPod(int k) {
        String node = SimulatedCluster.nodeName(plan.nodePrefix(), 1 + k % plan.nodes());
        CompletableFuture<Endpoint> registered =
                register("churn", "pod-" + k, node, ChurnMarks.podAddress(k), "churn-" + k / plan.podsPerNewIdentity());
        registered.thenAccept(e -> {
            if (knownIdentities.add((long) e.getIdentity())) {
                identitiesCreated.incrementAndGet();
            }
        });
        return registered;
    }

    private void changePolicy(int j) {
        List<String> apps = new ArrayList<>();
        Set<Long> subjects = new java.util.HashSet<>();
        for (int s = 0; s < plan.subjectsPerChange(); s++) {
            int w = (j * plan.subjectsPerChange() + s) % plan.seedIdentities();
            apps.add("app-" + w);
            subjects.add(workloadIdentity.get(w));
        }
        watch.expect(j, subjects);
        track(put(ChurnManifests.change(j, apps)));
        // A policy replaced rather than policies growing without end: change j - 4's goes.
        if (j > 4) {
            track(send(HttpRequest.newBuilder(URI.create(policies + "/NetworkPolicy/seed/change-" + (j - 4)))
                    .DELETE()
                    .build()));
        }
    }

    private CompletableFuture<Endpoint> register(String namespace, String pod, String node, String ip, String app) {
        RegisterEndpointRequest request = RegisterEndpointRequest.newBuilder()
                .setNamespace(namespace)
                .setPod(pod)
                .setUid(UUID.nameUUIDFromBytes((namespace + "/" + pod).getBytes(StandardCharsets.UTF_8))
                        .toString())
                .setNode(node)
                .addIps(ip)
                .putLabels("app", app)
                .setServiceAccount("default")
                .build();
        CompletableFuture<Endpoint> registered = this.<Endpoint>call(o -> identity.registerEndpoint(request, o))
                .thenApply(e -> {
                    podsOf.computeIfAbsent((long) e.getIdentity(), x -> new ConcurrentHashMap<>())
                            .merge(e.getNode(), 1, Integer::sum);
                    return e;
                });
        track(registered);
        return registered;
    }

    private CompletableFuture<?> deregister(Endpoint e) {
        return this.<dev.tendril.api.v1.DeregisterEndpointResponse>call(o -> identity.deregisterEndpoint(
                        DeregisterEndpointRequest.newBuilder()
                                .setNamespace(e.getNamespace())
                                .setPod(e.getPod())
                                .setUid(e.getUid())
                                .build(),
                        o))
                .thenRun(() -> podsOf.get((long) e.getIdentity())
                        .computeIfPresent(e.getNode(), (node, n) -> n == 1 ? null : n - 1));
    }

    private CompletableFuture<?> put(String yaml) {
        return send(HttpRequest.newBuilder(policies)
                .header("Content-Type", "application/yaml")
                .PUT(HttpRequest.BodyPublishers.ofString(yaml))
                .build());
    }

    private CompletableFuture<?> send(HttpRequest request) {
        return http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).thenAccept(r -> {
            if (r.statusCode() >= 300) {
                throw new IllegalStateException(
                        request.method() + " " + request.uri() + ": " + r.statusCode() + " " + r.body());
            }
        });
    }

    private <T> CompletableFuture<T> call(Consumer<StreamObserver<T>> rpc) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        rpc.accept(new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {}
        });
        return answer.orTimeout(2, TimeUnit.MINUTES);
    }

    private <T extends CompletableFuture<?>> T track(T call) {
        calls.add(call);
        call.whenComplete((x, failure) -> {
            if (failure != null && failures.getAndIncrement() == 0) {
                firstFailure.set(failure.toString());
            }
        });
        return call;
    }

    /** Waits for every call made so far to be answered. */
    private void drain(Duration guard) {
        long deadline = System.nanoTime() + guard.toNanos();
        for (CompletableFuture<?> c = calls.poll(); c != null; c = calls.poll()) {
            try {
                c.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException failed) {
                // counted by track()
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the services did not answer every call within " + guard, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for the services' answers", e);
            }
        }
    }

    @Override
    public void close() {
        watch.close();
        nodes.close(Duration.ofSeconds(10));
        channel.shutdownNow();
    }
}
