/**
 * Keyset pagination of REST lists as the Kubernetes API pages them: {@code limit} and an opaque {@code continue}
 * token holding the last key of the page, the next page's address in {@code Link} and {@code Tendril-Continue}.
 */
package dev.tendril.rest.paging;
