// webfuse provider for browsers (and Node >= 18): lends files or an in-memory
// tree, read-only, to a webfused device over WebSocket (doc/protocol.md).

export const SUBPROTOCOL = 'webfuse.v1';

const PROTOCOL_VERSION = 1;
const HANDSHAKE_TIMEOUT_MS = 10000;
const MAX_PATH = 4095;
const MAX_NAME = 255;

export const DEFAULT_LIMITS = Object.freeze({
	max_message: 16777216,
	max_read: 1048576,
	max_write: 1048576,
	max_pending: 256,
	max_entries: 100000,
	max_path: 4095,
	max_name: 255,
});

const FS_ERROR = -32000;
const INVALID_REQUEST = -32600;
const METHOD_NOT_FOUND = -32601;
const INVALID_PARAMS = -32602;

const ERRNO_TEXT = {
	EACCES: 'Permission denied',
	EBADF: 'Bad file descriptor',
	EINVAL: 'Invalid argument',
	EIO: 'Input/output error',
	EISDIR: 'Is a directory',
	ENODATA: 'No data available',
	ENOENT: 'No such file or directory',
	ENOTDIR: 'Not a directory',
	EROFS: 'Read-only file system',
};

// The methods that would change something: all of them fail, nothing is.
const WRITE_METHODS = [
	'create', 'write', 'setattr', 'mkdir', 'mknod', 'symlink', 'link',
	'unlink', 'rmdir', 'rename', 'setxattr', 'removexattr', 'fallocate',
];

// Close status of a provider whose filesystem another one took over.
const CLOSE_REPLACED = 4001;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** An Event carrying `detail`; Node 18 has no global CustomEvent. */
export class WebfuseEvent extends Event {
	constructor(type, detail) {
		super(type);
		this.detail = detail;
	}
}

class RpcError extends Error {
	constructor(code, message, errno) {
		super(message);
		this.code = code;
		this.errno = errno;
	}
}

function fsError(errno, message) {
	return new RpcError(FS_ERROR, message || ERRNO_TEXT[errno] || errno,
			    errno);
}

function invalidParams(message) {
	return new RpcError(INVALID_PARAMS, message);
}

function isPlainObject(v) {
	if (v === null || typeof v !== 'object')
		return false;
	const proto = Object.getPrototypeOf(v);
	return proto === Object.prototype || proto === null;
}

function isBlobLike(v) {
	return v !== null && typeof v === 'object' &&
	       typeof v.size === 'number' && typeof v.slice === 'function';
}

// -1 for a lone surrogate: such a string has no UTF-8 form, so no name.
function utf8Length(s) {
	let n = 0;
	for (let i = 0; i < s.length; i++) {
		const c = s.charCodeAt(i);
		if (c < 0x80) {
			n += 1;
		} else if (c < 0x800) {
			n += 2;
		} else if (c >= 0xd800 && c <= 0xdbff) {
			const d = s.charCodeAt(i + 1);
			if (!(d >= 0xdc00 && d <= 0xdfff))
				return -1;
			n += 4;
			i++;
		} else if (c >= 0xdc00 && c <= 0xdfff) {
			return -1;
		} else {
			n += 3;
		}
	}
	return n;
}

/** Why `name` cannot be a directory entry, or null if it can. */
function nameProblem(name) {
	if (typeof name !== 'string')
		return 'is not a string';
	if (name === '')
		return 'is empty';
	if (name === '.' || name === '..')
		return 'is "." or ".."';
	if (name.includes('/'))
		return 'contains "/"';
	if (name.includes('\0'))
		return 'contains a NUL character';
	const n = utf8Length(name);
	if (n < 0)
		return 'is not valid Unicode';
	if (n > MAX_NAME)
		return `is ${n} bytes long in UTF-8, more than ${MAX_NAME}`;
	return null;
}

/** The components of a protocol path (section 3), or null if invalid. */
function parsePath(path) {
	if (typeof path !== 'string' || path[0] !== '/')
		return null;
	if (path === '/')
		return [];
	const n = utf8Length(path);
	if (n < 0 || n > MAX_PATH)
		return null;
	const parts = path.slice(1).split('/');
	return parts.every((p) => nameProblem(p) === null) ? parts : null;
}

const B64 = encoder.encode(
	'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/');
const B64_VALUE = new Int16Array(256).fill(-1);
B64.forEach((c, i) => { B64_VALUE[c] = i; });
const PAD = 61; // '='

export function toBase64(bytes) {
	const out = new Uint8Array(Math.ceil(bytes.length / 3) * 4);
	let o = 0;
	let i = 0;
	for (; i + 2 < bytes.length; i += 3) {
		const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
		out[o++] = B64[n >> 18];
		out[o++] = B64[(n >> 12) & 63];
		out[o++] = B64[(n >> 6) & 63];
		out[o++] = B64[n & 63];
	}
	const rest = bytes.length - i;
	if (rest) {
		const n = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
		out[o++] = B64[n >> 18];
		out[o++] = B64[(n >> 12) & 63];
		out[o++] = rest === 2 ? B64[(n >> 6) & 63] : PAD;
		out[o++] = PAD;
	}
	return decoder.decode(out);
}

/** The bytes of standard padded base64 `text`, or null if it is not that. */
export function fromBase64(text) {
	const src = encoder.encode(text);
	const len = src.length;
	if (len !== text.length || len % 4)
		return null;
	let pad = 0;
	if (len && src[len - 1] === PAD)
		pad = src[len - 2] === PAD ? 2 : 1;
	const out = new Uint8Array((len / 4) * 3 - pad);
	let o = 0;
	for (let i = 0; i < len; i += 4) {
		const last = i + 4 === len;
		const a = B64_VALUE[src[i]];
		const b = B64_VALUE[src[i + 1]];
		const c = last && pad === 2 ? 0 : B64_VALUE[src[i + 2]];
		const d = last && pad ? 0 : B64_VALUE[src[i + 3]];
		if ((a | b | c | d) < 0)
			return null;
		const n = (a << 18) | (b << 12) | (c << 6) | d;
		out[o++] = n >> 16;
		if (o < out.length)
			out[o++] = (n >> 8) & 255;
		if (o < out.length)
			out[o++] = n & 255;
	}
	return out;
}

/** Where a message keeps its `data`: params of a request, else result. */
function dataHolder(obj) {
	if (!isPlainObject(obj))
		return undefined;
	const holder = 'method' in obj ? obj.params : obj.result;
	return isPlainObject(holder) ? holder : undefined;
}

// Parsers return {obj} or {obj?, problem, code?}; obj comes along when known
// so that a bad request with an id can still be answered.
function parseText(text) {
	let obj;
	try {
		obj = JSON.parse(text);
	} catch {
		return { problem: 'it is not JSON' };
	}
	const holder = dataHolder(obj);
	if (holder && typeof holder.data === 'string') {
		const bytes = fromBase64(holder.data);
		if (!bytes)
			return { obj, problem: 'data is not base64',
				 code: INVALID_PARAMS };
		holder.data = bytes;
	}
	return { obj };
}

function parseAttachment(bytes) {
	if (bytes.length < 4)
		return { problem: 'a binary message is shorter than 4 bytes' };
	const view = new DataView(bytes.buffer, bytes.byteOffset, 4);
	const h = view.getUint32(0);
	if (h > bytes.length - 4)
		return { problem: `its header length ${h} exceeds the message` };
	let obj;
	try {
		obj = JSON.parse(strictDecoder.decode(bytes.subarray(4, 4 + h)));
	} catch {
		return { problem: 'its header is not JSON' };
	}
	const attachment = bytes.subarray(4 + h);
	const holder = dataHolder(obj);
	if (!holder || !('data' in holder))
		return { obj, problem: 'a binary message has no data member' };
	if (holder.data !== attachment.length)
		return { obj, problem: `its data member says ` +
			 `${JSON.stringify(holder.data)} but the attachment ` +
			 `has ${attachment.length} bytes` };
	holder.data = attachment;
	return { obj };
}

function encodeAttachment(obj, bytes) {
	const header = encoder.encode(JSON.stringify(obj));
	const msg = new Uint8Array(4 + header.length + bytes.length);
	new DataView(msg.buffer).setUint32(0, header.length);
	msg.set(header, 4);
	msg.set(bytes, 4 + header.length);
	return msg;
}

function isValidId(id) {
	return Number.isSafeInteger(id) && id >= 1;
}

function needPath(params, key = 'path') {
	const parts = parsePath(params[key]);
	if (!parts)
		throw invalidParams(`${key} is not a valid path`);
	return parts;
}

function needUint(params, key) {
	const v = params[key];
	if (!Number.isSafeInteger(v) || v < 0)
		throw invalidParams(`${key} must be an integer 0 .. 2^53-1`);
	return v;
}

function optionalUint(params, key) {
	return params[key] === undefined ? 0 : needUint(params, key);
}

/** Serves a Uint8Array through the Blob interface used for every file. */
class BytesBlob {
	constructor(bytes) {
		this.bytes = bytes;
		this.size = bytes.length;
	}

	slice(start, end) {
		const part = this.bytes.subarray(start, end);
		return { arrayBuffer: async () => part.slice().buffer };
	}
}

function splitTime(ms) {
	const sec = Math.floor(ms / 1000);
	const ns = Math.min(Math.round((ms - sec * 1000) * 1e6), 999999999);
	return [sec, ns];
}

function attrOf(node) {
	const [sec, ns] = splitTime(node.mtimeMs);
	const dir = node.type === 'dir';
	return {
		type: node.type,
		mode: dir ? 0o555 : 0o444,
		ino: node.ino,
		nlink: dir ? 2 + node.subdirs : 1,
		size: node.size,
		atime: sec, atime_ns: ns,
		mtime: sec, mtime_ns: ns,
		ctime: sec, ctime_ns: ns,
	};
}

// Words for a person, for the errors the service answers session calls with.
const REFUSALS = {
	hello: {
		EPROTONOSUPPORT: () =>
			'the device does not speak webfuse protocol version 1',
	},
	authenticate: {
		EACCES: () => 'the device did not accept the token',
		EPROTO: () => 'the device has no token configured',
	},
	add_filesystem: {
		EBUSY: () => 'another provider already serves this filesystem',
		// webfused says which names there are; other devices may not.
		ENOENT: (name, text) =>
			text && text !== 'No such file or directory' ? text
			: name ? `the device has no filesystem "${name}"`
			: 'the device has no unnamed filesystem',
		EACCES: () => 'the device requires a token',
	},
};

function describeRefusal(method, error, name) {
	if (!isPlainObject(error))
		return `the device gave an invalid answer to ${method}`;
	if (error.code === METHOD_NOT_FOUND)
		return `the device does not know "${method}"; ` +
		       'is this a webfuse device?';
	const errno = isPlainObject(error.data) ? error.data.errno : undefined;
	const words = REFUSALS[method] && REFUSALS[method][errno];
	if (words)
		return words(name, typeof error.message === 'string'
			? error.message : undefined);
	return `the device refused ${method}: ` +
	       `${error.message || 'no reason given'} (${errno || error.code})`;
}

/**
 * A provider that lends files read-only to one webfused device at a time.
 * Events: 'statechange', 'read', 'error' (WebfuseEvent with `detail`).
 */
export class WebfuseProvider extends EventTarget {
	constructor(options = {}) {
		super();
		this.options = {
			binary: true,
			name: '',
			token: undefined,
			agent: 'webfuse-browser/1.0',
			WebSocket: globalThis.WebSocket,
			handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
			...options,
		};
		this.state = 'idle';
		this.reason = '';
		this.bytesRead = 0;
		this.limits = { ...DEFAULT_LIMITS };
		this.features = [];
		this.filesystem = undefined;
		this._conn = null;
		this._nextIno = 1;
		this._nextHandle = 1;
		this._handles = new Map();
		this.lend([]);
	}

	/**
	 * Replaces what is lent: an iterable of File objects (each in the
	 * root under its name) or a plain object tree. Throws a TypeError
	 * naming the problem, and then lends what it lent before.
	 */
	lend(what) {
		const now = Date.now();
		const root = this._node('dir', '', '', now);
		if (isPlainObject(what))
			this._addTree(root, what, now);
		else if (what !== null && typeof what === 'object' &&
			 typeof what[Symbol.iterator] === 'function')
			this._addFiles(root, what, now);
		else
			throw new TypeError('lend() takes an array of files or ' +
					    'an object of names');
		let files = 0;
		let size = 0;
		const count = (node) => {
			files++;
			size += node.size;
			if (node.children)
				node.children.forEach(count);
		};
		count(root);
		this._root = root;
		this._stats = { files, size };
	}

	_node(type, name, path, mtimeMs, blob) {
		const node = { type, name, path, ino: this._nextIno++, mtimeMs };
		if (type === 'dir') {
			node.children = new Map();
			node.subdirs = 0;
			node.size = 0;
		} else {
			node.blob = blob;
			node.size = blob.size;
		}
		return node;
	}

	_addChild(dir, child) {
		dir.children.set(child.name, child);
		if (child.type === 'dir')
			dir.subdirs++;
	}

	_addFiles(root, files, now) {
		let i = 0;
		for (const file of files) {
			if (!isBlobLike(file))
				throw new TypeError(`item ${i} is not a file`);
			const name = file.name;
			const problem = nameProblem(name);
			if (problem)
				throw new TypeError(`the file name ` +
					`${JSON.stringify(name)} ${problem}`);
			if (root.children.has(name))
				throw new TypeError(
					`two files are named "${name}"`);
			checkSize(file.size, name);
			const mtime = Number.isFinite(file.lastModified)
				? file.lastModified : now;
			this._addChild(root, this._node('reg', name, name, mtime,
							file));
			i++;
		}
	}

	_addTree(dir, tree, now) {
		for (const [name, value] of Object.entries(tree)) {
			const path = dir.path ? `${dir.path}/${name}` : name;
			const problem = nameProblem(name);
			if (problem)
				throw new TypeError(`the name ` +
					`${JSON.stringify(path)} ${problem}`);
			// Also stops a tree that contains itself.
			if (utf8Length(path) + 1 > MAX_PATH)
				throw new TypeError(`the path "/${path}" is ` +
					`longer than ${MAX_PATH} bytes`);
			let node;
			if (isPlainObject(value) && !isBlobLike(value)) {
				node = this._node('dir', name, path, now);
				this._addTree(node, value, now);
			} else {
				const blob = asBlob(value, path);
				const mtime = Number.isFinite(value.lastModified)
					? value.lastModified : now;
				node = this._node('reg', name, path, mtime, blob);
			}
			this._addChild(dir, node);
		}
	}

	/**
	 * Connects to `url` and attaches the lent files as the filesystem.
	 * Resolves once attached; rejects with an Error in words otherwise.
	 */
	async connect(url) {
		if (this.state === 'connecting' || this.state === 'connected')
			throw new Error('already connected; disconnect first');
		const WS = this.options.WebSocket;
		if (typeof WS !== 'function')
			throw new Error('this browser cannot open a WebSocket');
		let ws;
		try {
			ws = new WS(url, SUBPROTOCOL);
		} catch {
			throw new Error(`"${url}" is not a WebSocket address ` +
					'(ws://HOST:PORT/)');
		}
		ws.binaryType = 'arraybuffer';

		const conn = {
			ws, binary: false, limits: { ...DEFAULT_LIMITS },
			attached: false, opened: false, dropped: false,
			reason: '', nextId: 1, pending: new Map(),
		};
		const opened = new Promise((resolve, reject) => {
			conn.onOpen = resolve;
			conn.onDrop = reject;
		});
		this._conn = conn;
		this._handles = new Map();
		this.bytesRead = 0;
		this.limits = conn.limits;
		this.features = [];
		this.filesystem = undefined;
		ws.onopen = () => {
			conn.opened = true;
			conn.onOpen();
		};
		ws.onmessage = (ev) => this._receive(conn, ev.data);
		ws.onerror = () => {}; // a close event follows and says more
		ws.onclose = (ev) => this._drop(conn,
			ev.code === CLOSE_REPLACED ?
				'another provider took this filesystem over'
			: conn.attached ? `connection lost (code ${ev.code})`
			: conn.opened ? `the device closed the connection ` +
					`(code ${ev.code})`
			: 'the device did not answer');
		const timeout = this.options.handshakeTimeout;
		conn.timer = setTimeout(() => this._drop(conn,
			`the device did not answer within ${timeout / 1000} s`),
			timeout);
		this._setState('connecting');

		try {
			await opened;
			await this._handshake(conn);
			if (conn.dropped)
				throw new Error(conn.reason);
		} catch (e) {
			this._drop(conn, e.message);
			throw new Error(conn.reason);
		}
		clearTimeout(conn.timer);
		this._setState('connected');
	}

	async _handshake(conn) {
		if (conn.ws.protocol !== SUBPROTOCOL)
			throw new Error('the device does not speak ' + SUBPROTOCOL);
		const features = this.options.binary ? ['binary'] : [];
		const hello = await this._request(conn, 'hello', {
			protocol: PROTOCOL_VERSION, features,
			agent: this.options.agent });
		const result = hello.result;
		if (!isPlainObject(result))
			throw new Error(describeRefusal('hello', hello.error));
		if (result.protocol !== PROTOCOL_VERSION)
			throw new Error('the device speaks webfuse protocol ' +
				`version ${result.protocol}, not 1`);
		const agreed = Array.isArray(result.features)
			? result.features.filter((f) => features.includes(f)) : [];
		conn.binary = agreed.includes('binary');
		this.features = agreed;
		if (isPlainObject(result.limits))
			for (const key of Object.keys(conn.limits)) {
				const v = result.limits[key];
				if (Number.isSafeInteger(v) && v > 0)
					conn.limits[key] = v;
			}

		if (result.authenticate === true) {
			const token = this.options.token;
			if (token === undefined || token === null || token === '')
				throw new Error('the device requires a token');
			const auth = await this._request(conn, 'authenticate',
					{ type: 'token', token: String(token) });
			if (!isPlainObject(auth.result))
				throw new Error(describeRefusal('authenticate',
								auth.error));
		}

		const name = this.options.name;
		// Filesystem requests may follow the answer at once.
		const added = await this._request(conn, 'add_filesystem',
			name ? { name } : {}, () => { conn.attached = true; });
		if (!isPlainObject(added.result))
			throw new Error(describeRefusal('add_filesystem',
							added.error, name));
		this.filesystem = typeof added.result.name === 'string'
			? added.result.name : name;
	}

	/** Closes the connection; state becomes 'closed' ("disconnected"). */
	disconnect() {
		if (this._conn)
			this._drop(this._conn, 'disconnected');
	}

	_setState(state, reason = '') {
		this.state = state;
		this.reason = reason;
		this.dispatchEvent(new WebfuseEvent('statechange',
						    { state, reason }));
	}

	_emitError(message) {
		this.dispatchEvent(new WebfuseEvent('error', { message }));
	}

	// The one way a connection ends; later calls for it do nothing.
	_drop(conn, reason) {
		if (conn.dropped)
			return;
		conn.dropped = true;
		conn.reason = reason;
		clearTimeout(conn.timer);
		conn.onDrop(new Error(reason));
		for (const pending of conn.pending.values())
			pending.reject(new Error(reason));
		conn.pending.clear();
		try {
			conn.ws.close(1000);
		} catch {
			// already closing: nothing left to do
		}
		if (this._conn === conn) {
			this._conn = null;
			this._setState('closed', reason);
		}
	}

	_send(conn, data) {
		try {
			conn.ws.send(data);
		} catch (e) {
			this._drop(conn, `could not send to the device: ` +
				   e.message);
		}
	}

	/**
	 * Resolves with the response object, {result} or {error}. A
	 * WebSocket may deliver several messages before a promise callback
	 * runs, so `onResult` acts on a result right when it arrives.
	 */
	_request(conn, method, params, onResult) {
		const id = conn.nextId++;
		return new Promise((resolve, reject) => {
			if (conn.dropped)
				return reject(new Error(conn.reason));
			conn.pending.set(id, { resolve, reject, onResult });
			this._send(conn, JSON.stringify(
				{ jsonrpc: '2.0', id, method, params }));
		});
	}

	_protocolError(conn, problem) {
		this._emitError(`the device sent an invalid message: ${problem}`);
	}

	_receive(conn, data) {
		if (conn.dropped)
			return;
		let size;
		let bytes = null;
		if (typeof data === 'string') {
			// A UTF-8 byte count is at least the UTF-16 length,
			// at most three times it.
			size = data.length * 3 <= conn.limits.max_message
				? data.length : Math.max(utf8Length(data),
							 data.length);
		} else if (data instanceof ArrayBuffer) {
			bytes = new Uint8Array(data);
		} else if (ArrayBuffer.isView(data)) {
			bytes = new Uint8Array(data.buffer, data.byteOffset,
					       data.byteLength);
		} else {
			this._protocolError(conn, 'it is neither text nor bytes');
			return;
		}
		if (bytes)
			size = bytes.length;
		if (size > conn.limits.max_message) {
			const reason = `the device sent a message of ${size} ` +
				'bytes, more than the limit of ' +
				`${conn.limits.max_message}; connection closed`;
			this._emitError(reason);
			this._drop(conn, reason);
			return;
		}

		let parsed;
		if (!bytes)
			parsed = parseText(data);
		else if (!conn.binary)
			parsed = { problem: 'a binary message, but binary ' +
				   'was not agreed' };
		else
			parsed = parseAttachment(bytes);
		const { obj } = parsed;
		let problem = parsed.problem;
		if (!problem && (!isPlainObject(obj) || obj.jsonrpc !== '2.0'))
			problem = 'it is not a JSON-RPC 2.0 object';

		if (isPlainObject(obj) && 'method' in obj) {
			if (!('id' in obj))
				return; // notifications are not used in v1
			if (!isValidId(obj.id)) {
				this._protocolError(conn, 'invalid request id');
				return;
			}
			if (problem) {
				this._protocolError(conn, problem);
				this._respondError(conn, obj.id, new RpcError(
					parsed.code || INVALID_REQUEST, problem));
				return;
			}
			this._serve(conn, obj);
		} else if (isPlainObject(obj) && 'id' in obj && !problem) {
			const pending = conn.pending.get(obj.id);
			if (!pending)
				return; // never asked or answered already
			conn.pending.delete(obj.id);
			if (pending.onResult && isPlainObject(obj.result))
				pending.onResult(obj.result);
			pending.resolve(obj);
		} else {
			this._protocolError(conn, problem || 'it is neither a ' +
					    'request nor a response');
		}
	}

	async _serve(conn, req) {
		let result;
		try {
			const method = req.method;
			const params = req.params === undefined ? {} : req.params;
			if (typeof method !== 'string')
				throw new RpcError(INVALID_REQUEST,
						   'method must be a string');
			if (!conn.attached)
				throw new RpcError(INVALID_REQUEST, 'no ' +
					'filesystem request before attach');
			if (!Object.hasOwn(METHODS, method))
				throw new RpcError(METHOD_NOT_FOUND,
					`method not found: ${method}`);
			if (!isPlainObject(params))
				throw invalidParams('params must be an object');
			result = await METHODS[method].call(this, conn, params);
		} catch (e) {
			this._respondError(conn, req.id, e instanceof RpcError
				? e : fsError('EIO', String(e && e.message)));
			return;
		}
		this._respond(conn, req.id, result);
	}

	_respond(conn, id, result) {
		if (conn.dropped)
			return;
		const max = conn.limits.max_message;
		const data = result.data;
		let msg;
		if (data instanceof Uint8Array && conn.binary) {
			msg = encodeAttachment({ jsonrpc: '2.0', id,
				result: { ...result, data: data.length } }, data);
			if (msg.length <= max)
				return this._send(conn, msg);
		} else {
			if (data instanceof Uint8Array)
				result = { ...result, data: toBase64(data) };
			msg = JSON.stringify({ jsonrpc: '2.0', id, result });
			if (msg.length * 3 <= max || utf8Length(msg) <= max)
				return this._send(conn, msg);
		}
		this._respondError(conn, id, fsError('EIO',
			'the answer would exceed max_message'));
	}

	_respondError(conn, id, err) {
		if (conn.dropped)
			return;
		const error = { code: err.code, message: err.message };
		if (err.errno)
			error.data = { errno: err.errno };
		this._send(conn, JSON.stringify({ jsonrpc: '2.0', id, error }));
	}

	_resolve(parts) {
		let node = this._root;
		for (const name of parts) {
			if (node.type !== 'dir')
				throw fsError('ENOTDIR');
			node = node.children.get(name);
			if (!node)
				throw fsError('ENOENT');
		}
		return node;
	}

	_handleNode(handle) {
		const node = this._handles.get(handle);
		if (!node)
			throw fsError('EBADF');
		return node;
	}

	async _read(conn, params) {
		const parts = needPath(params);
		const handle = needUint(params, 'handle');
		const offset = needUint(params, 'offset');
		const size = needUint(params, 'size');
		if (size > conn.limits.max_read)
			throw invalidParams(`size exceeds max_read ` +
					    `(${conn.limits.max_read})`);
		// Handle 0 is how a stateless peer reads by path.
		const node = handle ? this._handleNode(handle)
				    : this._resolve(parts);
		if (node.type === 'dir')
			throw fsError('EISDIR');
		const end = Math.min(node.size, offset + size);
		let bytes = new Uint8Array(0);
		if (offset < end) {
			try {
				const buf = await node.blob.slice(offset, end)
					.arrayBuffer();
				bytes = new Uint8Array(buf, 0,
					Math.min(buf.byteLength, end - offset));
			} catch (e) {
				this._emitError(`could not read ${node.path} ` +
					`from disk: ${(e && e.message) || e}`);
				throw fsError('EIO');
			}
		}
		if (!conn.dropped) {
			this.bytesRead += bytes.length;
			this.dispatchEvent(new WebfuseEvent('read', {
				path: params.path, offset, size: bytes.length,
				bytesRead: this.bytesRead }));
		}
		return { data: bytes };
	}
}

function checkSize(size, path) {
	if (!Number.isSafeInteger(size) || size < 0)
		throw new TypeError(`"${path}" has an invalid size ${size}`);
}

function asBlob(value, path) {
	let blob;
	if (typeof value === 'string')
		blob = new BytesBlob(encoder.encode(value));
	else if (value instanceof ArrayBuffer)
		blob = new BytesBlob(new Uint8Array(value));
	else if (ArrayBuffer.isView(value))
		blob = new BytesBlob(new Uint8Array(value.buffer,
					value.byteOffset, value.byteLength));
	else if (isBlobLike(value))
		blob = value;
	else
		throw new TypeError(`"${path}" is neither a file, text, ` +
				    'bytes nor a directory');
	checkSize(blob.size, path);
	return blob;
}

function readOnly(method, params) {
	needPath(params);
	if (method === 'link' || method === 'rename')
		needPath(params, 'newpath');
	throw fsError('EROFS');
}

// Filesystem methods, called with the provider as `this`; each returns the
// result object or throws an RpcError.
const METHODS = {
	getattr(conn, params) {
		const parts = needPath(params);
		const handle = optionalUint(params, 'handle');
		return attrOf(handle ? this._handleNode(handle)
				     : this._resolve(parts));
	},

	readdir(conn, params) {
		const dir = this._resolve(needPath(params));
		if (dir.type !== 'dir')
			throw fsError('ENOTDIR');
		if (dir.children.size > conn.limits.max_entries)
			throw fsError('EIO', 'the directory has more than ' +
				      `${conn.limits.max_entries} entries`);
		const entries = [];
		for (const node of dir.children.values())
			entries.push({ name: node.name, attr: attrOf(node) });
		return { entries };
	},

	open(conn, params) {
		const parts = needPath(params);
		const access = params.access;
		if (!['read', 'write', 'read-write'].includes(access))
			throw invalidParams('access must be read, write or ' +
					    'read-write');
		const flags = params.flags === undefined ? [] : params.flags;
		if (!Array.isArray(flags) ||
		    !flags.every((f) => typeof f === 'string'))
			throw invalidParams('flags must be an array of names');
		const node = this._resolve(parts);
		if (access !== 'read' || flags.includes('truncate'))
			throw fsError('EROFS');
		const handle = this._nextHandle++;
		this._handles.set(handle, node);
		return { handle };
	},

	read(conn, params) {
		return this._read(conn, params);
	},

	release(conn, params) {
		needPath(params);
		const handle = needUint(params, 'handle');
		if (handle && !this._handles.delete(handle))
			throw fsError('EBADF');
		return {};
	},

	flush(conn, params) {
		needPath(params);
		const handle = needUint(params, 'handle');
		if (handle)
			this._handleNode(handle);
		return {};
	},

	fsync(conn, params) {
		needPath(params);
		const handle = optionalUint(params, 'handle');
		if (handle)
			this._handleNode(handle);
		return {};
	},

	readlink(conn, params) {
		this._resolve(needPath(params));
		throw fsError('EINVAL', 'Not a symbolic link');
	},

	statfs(conn, params) {
		this._resolve(needPath(params));
		return {
			bsize: 4096, frsize: 4096,
			blocks: Math.ceil(this._stats.size / 4096),
			bfree: 0, bavail: 0,
			files: this._stats.files, ffree: 0,
			namemax: MAX_NAME,
		};
	},

	access(conn, params) {
		const parts = needPath(params);
		const mode = params.mode;
		if (typeof mode !== 'string' || !/^[rwx]*$/.test(mode))
			throw invalidParams('mode must be letters of "rwx"');
		const node = this._resolve(parts);
		if (mode.includes('w'))
			throw fsError('EROFS');
		if (mode.includes('x') && node.type !== 'dir')
			throw fsError('EACCES');
		return {};
	},

	getxattr(conn, params) {
		const parts = needPath(params);
		const name = params.name;
		if (typeof name !== 'string' || name === '' ||
		    name.includes('\0') || utf8Length(name) > MAX_NAME ||
		    utf8Length(name) < 0)
			throw invalidParams('name is not a valid name');
		this._resolve(parts);
		throw fsError('ENODATA');
	},

	listxattr(conn, params) {
		this._resolve(needPath(params));
		return { names: [] };
	},
};

for (const method of WRITE_METHODS)
	METHODS[method] = (conn, params) => readOnly(method, params);
