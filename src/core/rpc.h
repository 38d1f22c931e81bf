/* JSON-RPC 2.0 message builders and error mapping (protocol.md, 2). */
#ifndef WF_RPC_H
#define WF_RPC_H

#include <jansson.h>
#include <stdint.h>

#define WF_RPC_FS_ERROR		-32000
#define WF_RPC_PARSE_ERROR	-32700
#define WF_RPC_INVALID_REQUEST	-32600
#define WF_RPC_METHOD_NOT_FOUND -32601
#define WF_RPC_INVALID_PARAMS	-32602

/*
 * wf_rpc_request() - build a request. @method: borrowed. @params: stolen,
 * even on failure; NULL means an empty object.
 * Returns a new reference or NULL on allocation failure.
 */
json_t *wf_rpc_request(uint64_t id, const char *method, json_t *params);

/*
 * wf_rpc_result() - build a success response. @result: stolen, even on
 * failure; NULL means an empty object.
 * Returns a new reference or NULL on allocation failure.
 */
json_t *wf_rpc_result(uint64_t id, json_t *result);

/*
 * wf_rpc_error() - build a filesystem error response for the negative errno
 * @err. Returns a new reference or NULL on allocation failure.
 */
json_t *wf_rpc_error(uint64_t id, int err);

/*
 * wf_rpc_error_message() - wf_rpc_error() whose message is @text (borrowed)
 * instead of strerror's, to say why in words.
 */
json_t *wf_rpc_error_message(uint64_t id, int err, const char *text);

/*
 * wf_rpc_protocol_error() - build a protocol error response with JSON-RPC
 * @code. @id: 0 when the request's id is unknown (sent as null).
 * @message: borrowed. Returns a new reference or NULL.
 */
json_t *wf_rpc_protocol_error(uint64_t id, int code, const char *message);

/*
 * wf_rpc_error_errno() - the negative errno an error object (borrowed)
 * stands for: data.errno by name for filesystem errors, -ENOSYS for
 * "method not found", -EIO for everything else.
 */
int wf_rpc_error_errno(const json_t *error);

#endif
