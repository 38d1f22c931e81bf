/* Constants of protocol.md that both sides share: version, name, limits. */
#ifndef WF_PROTOCOL_H
#define WF_PROTOCOL_H

/* The protocol version of hello (protocol.md, 5.1). */
#define WF_PROTOCOL_VERSION 1

/* The WebSocket subprotocol (protocol.md, 1). */
#define WF_SUBPROTOCOL "webfuse.v1"

/*
 * WebSocket close status of a provider whose filesystem another provider
 * took over (protocol.md, 5.3): it must not reconnect to take it back.
 */
#define WF_CLOSE_REPLACED 4001

/* Default limits (protocol.md, 8). */
#define WF_DEFAULT_MAX_MESSAGE (16u << 20)
#define WF_DEFAULT_MAX_READ    (1u << 20)
#define WF_DEFAULT_MAX_WRITE   (1u << 20)
#define WF_DEFAULT_MAX_ENTRIES 100000u

#endif
