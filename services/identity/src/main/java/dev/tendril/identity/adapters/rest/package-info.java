/** The admin REST API of the identity service (/v1/identities, /v1/namespaces, /v1/endpoints), errors as problem+json. */
package dev.tendril.identity.adapters.rest;
