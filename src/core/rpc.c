/* JSON-RPC 2.0 message builders and error mapping (protocol.md, 2). */
#include "rpc.h"
#include "errno_name.h"
#include "field.h"

#include <errno.h>
#include <string.h>

json_t *wf_rpc_request(uint64_t id, const char *method, json_t *params)
{
	if (!params)
		params = json_object();
	return json_pack("{s:s, s:I, s:s, s:o}", "jsonrpc", "2.0", "id",
			 (json_int_t)id, "method", method, "params", params);
}

json_t *wf_rpc_result(uint64_t id, json_t *result)
{
	if (!result)
		result = json_object();
	return json_pack("{s:s, s:I, s:o}", "jsonrpc", "2.0", "id",
			 (json_int_t)id, "result", result);
}

json_t *wf_rpc_error(uint64_t id, int err)
{
	return wf_rpc_error_message(id, err, strerror(-err));
}

json_t *wf_rpc_error_message(uint64_t id, int err, const char *text)
{
	return json_pack("{s:s, s:I, s:{s:i, s:s, s:{s:s}}}", "jsonrpc", "2.0",
			 "id", (json_int_t)id, "error", "code", WF_RPC_FS_ERROR,
			 "message", text, "data", "errno", wf_errno_name(-err));
}

json_t *wf_rpc_protocol_error(uint64_t id, int code, const char *message)
{
	json_t *jid = id ? json_integer((json_int_t)id) : json_null();

	return json_pack("{s:s, s:o, s:{s:i, s:s}}", "jsonrpc", "2.0", "id",
			 jid, "error", "code", code, "message", message);
}

int wf_rpc_error_errno(const json_t *error)
{
	int64_t code;
	const char *name;

	if (wf_field_int(error, "code", INT32_MIN, INT32_MAX, &code))
		return -EIO;
	if (code == WF_RPC_METHOD_NOT_FOUND)
		return -ENOSYS;
	if (code != WF_RPC_FS_ERROR)
		return -EIO;
	if (wf_field_string(json_object_get(error, "data"), "errno", &name,
			    NULL))
		return -EIO;
	return -wf_errno_from_name(name);
}
