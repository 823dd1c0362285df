package dev.tendril.identity.domain;

import java.util.regex.Pattern;

/**
 * Who this installation is in a ClusterMesh: its name, its cluster id and how many clusters the mesh
 * may hold (255 with 8 cluster bits, 511 with 9). The id decides the identity range, so two clusters
 * never allocate the same identity.
 *
 * @param maxConnectedClusters 255 (identities shifted by 16) or 511 (shifted by 15)
 */
public record ClusterConfig(String name, int id, int maxConnectedClusters) {

    public static final int DEFAULT_MAX_CLUSTERS = 255;
    public static final int EXTENDED_MAX_CLUSTERS = 511;

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

    public ClusterConfig {
        if (maxConnectedClusters != DEFAULT_MAX_CLUSTERS && maxConnectedClusters != EXTENDED_MAX_CLUSTERS) {
            throw new IllegalArgumentException(
                    "max connected clusters must be 255 or 511, was " + maxConnectedClusters);
        }
        if (name == null
                || name.isEmpty()
                || name.length() > 32
                || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("cluster name '" + name
                    + "' must be 1-32 lower-case alphanumerics or '-', starting and ending alphanumeric");
        }
        if (id < 0 || id > maxConnectedClusters) {
            throw new IllegalArgumentException(
                    "cluster id " + id + " must be 0.." + maxConnectedClusters + " (0 only without ClusterMesh)");
        }
    }

    public static ClusterConfig of(String name, int id) {
        return new ClusterConfig(name, id, DEFAULT_MAX_CLUSTERS);
    }

    /** 16 with 255 clusters, 15 with 511. */
    public int shift() {
        return maxConnectedClusters == EXTENDED_MAX_CLUSTERS ? 15 : 16;
    }

    /** Cluster 0 allocates from 256 to the top of the first block; cluster c from {@code c<<shift}. */
    public IdRange range() {
        long blockSize = 1L << shift();
        if (id == 0) {
            return new IdRange(ReservedIdentity.FIRST_ALLOCATABLE, blockSize - 1);
        }
        long min = (long) id << shift();
        return new IdRange(min, min + blockSize - 1);
    }

    /** The cluster an identity was allocated by: {@code (id >> shift) & max}. */
    public int clusterOf(long identity) {
        return (int) ((identity >> shift()) & maxConnectedClusters);
    }
}
