// Unit tests of the browser provider module: the test plays the service
// over a fake WebSocket. Run with `node --test test-src/browser/`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
	WebfuseProvider, toBase64, fromBase64,
} from '../../example/browser/webfuse.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// Node 20 has File; Node 18 only Blob, which then gets a name the same way.
function makeFile(bytes, name, lastModified) {
	if (typeof globalThis.File === 'function')
		return new File([bytes], name, { lastModified });
	const blob = new Blob([bytes]);
	Object.defineProperty(blob, 'name', { value: name });
	Object.defineProperty(blob, 'lastModified', { value: lastModified });
	return blob;
}

/** A WebSocket class whose instances the test drives as the service. */
function fakeWebSocket() {
	class FakeSocket {
		constructor(url, protocols) {
			this.url = url;
			this.protocols = protocols;
			this.protocol = '';
			this.binaryType = 'blob';
			this.sent = [];
			this.closed = null;
			this.waiters = [];
			FakeSocket.sockets.push(this);
		}

		send(data) {
			if (this.closed)
				throw new Error('socket closed');
			this.sent.push(data);
			const waiters = this.waiters;
			this.waiters = [];
			waiters.forEach((w) => w());
		}

		close(code) {
			if (this.closed)
				return;
			this.closed = { code };
			this.waiters.splice(0).forEach((w) => w());
			setTimeout(() => this.onclose &&
				   this.onclose({ code: 1000, wasClean: true }));
		}

		// The service side.
		open(protocol = 'webfuse.v1') {
			this.protocol = protocol;
			this.onopen({});
		}

		receive(data) {
			this.onmessage({ data });
		}

		receiveJson(obj) {
			this.receive(JSON.stringify(obj));
		}

		lose(code = 1006) {
			this.closed = { code };
			this.onclose({ code, wasClean: false });
		}

		/** The next message the provider sends, decoded. */
		async next() {
			while (this.sent.length === 0) {
				if (this.closed)
					throw new Error('the provider closed ' +
							'the socket');
				await new Promise((resolve) =>
					this.waiters.push(resolve));
			}
			return decode(this.sent.shift());
		}
	}
	FakeSocket.sockets = [];
	return FakeSocket;
}

function decode(data) {
	if (typeof data === 'string')
		return { text: true, obj: JSON.parse(data) };
	const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
	const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0);
	const header = decoder.decode(bytes.subarray(4, 4 + h));
	return { text: false, raw: bytes, header, obj: JSON.parse(header),
		 attachment: bytes.subarray(4 + h) };
}

function attachmentMessage(obj, attachment) {
	const header = encoder.encode(JSON.stringify(obj));
	const msg = new Uint8Array(4 + header.length + attachment.length);
	new DataView(msg.buffer).setUint32(0, header.length);
	msg.set(header, 4);
	msg.set(attachment, 4 + header.length);
	return msg.buffer;
}

const LIMITS = {
	max_message: 4096, max_read: 1024, max_write: 1024, max_pending: 16,
	max_entries: 100, max_path: 4095, max_name: 255,
};

/** Connects `provider` through the handshake; returns the fake socket. */
async function attach(provider, WS, { binary = true, limits = LIMITS } = {}) {
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets.at(-1);
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, result: {
		protocol: 1, features: binary ? ['binary'] : [],
		agent: 'fake', authenticate: false, limits } });
	const add = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id,
			 result: { name: '' } });
	await connected;
	return ws;
}

let nextId = 1000;

/** Sends a filesystem request as the service and returns the answer. */
async function call(ws, method, params) {
	const id = nextId++;
	ws.receiveJson({ jsonrpc: '2.0', id, method, params });
	const answer = await ws.next();
	assert.equal(answer.obj.id, id);
	assert.equal(answer.obj.jsonrpc, '2.0');
	return answer;
}

async function result(ws, method, params) {
	const answer = await call(ws, method, params);
	assert.equal(answer.obj.error, undefined,
		     `${method} failed: ${JSON.stringify(answer.obj.error)}`);
	return answer.obj.result;
}

async function errno(ws, method, params) {
	const { obj } = await call(ws, method, params);
	assert.ok(obj.error, `${method} should fail`);
	assert.equal(obj.error.code, -32000);
	return obj.error.data.errno;
}

async function rpcCode(ws, method, params) {
	const { obj } = await call(ws, method, params);
	assert.ok(obj.error, `${method} should fail`);
	return obj.error.code;
}

/** Reads as the service and returns the bytes, whatever the form. */
async function readBytes(ws, params) {
	const answer = await call(ws, 'read', params);
	assert.equal(answer.obj.error, undefined,
		     JSON.stringify(answer.obj.error));
	if (answer.text)
		return fromBase64(answer.obj.result.data);
	return answer.attachment;
}

function setup(options = {}) {
	const WS = fakeWebSocket();
	const provider = new WebfuseProvider({ WebSocket: WS, ...options });
	return { WS, provider };
}

const MTIME = 1700000000123;

function sampleTree() {
	return {
		'hello.txt': 'hello\n',
		'bytes.bin': new Uint8Array([0, 1, 2, 255]),
		'buffer.bin': new Uint8Array([9, 8, 7]).buffer,
		docs: {
			'readme.md': makeFile(encoder.encode('# read me\n'),
					      'ignored', MTIME),
			empty: {},
		},
	};
}

function events(target, type) {
	const seen = [];
	target.addEventListener(type, (ev) => seen.push(ev.detail));
	return seen;
}

test('handshake with binary agreed: hello, limits, add_filesystem',
     async () => {
	const { WS, provider } = setup();
	const states = events(provider, 'statechange');
	assert.equal(provider.state, 'idle');
	const connected = provider.connect('ws://device:8080/');
	assert.equal(provider.state, 'connecting');
	const ws = WS.sockets[0];
	assert.equal(ws.url, 'ws://device:8080/');
	assert.equal(ws.protocols, 'webfuse.v1');
	assert.equal(ws.binaryType, 'arraybuffer');
	ws.open();

	const hello = await ws.next();
	assert.ok(hello.text);
	assert.equal(hello.obj.jsonrpc, '2.0');
	assert.equal(hello.obj.method, 'hello');
	assert.ok(Number.isSafeInteger(hello.obj.id) && hello.obj.id >= 1);
	assert.deepEqual(hello.obj.params, { protocol: 1,
		features: ['binary'], agent: 'webfuse-browser/1.0' });
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, result: {
		protocol: 1, features: ['binary', 'future'], agent: 'fake',
		authenticate: false, limits: LIMITS } });

	const add = await ws.next();
	assert.equal(add.obj.method, 'add_filesystem');
	assert.notEqual(add.obj.id, hello.obj.id);
	assert.deepEqual(add.obj.params, {});
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id,
			 result: { name: '' } });
	await connected;

	assert.equal(provider.state, 'connected');
	assert.deepEqual(provider.features, ['binary']);
	assert.equal(provider.limits.max_message, 4096);
	assert.equal(provider.limits.max_read, 1024);
	assert.equal(provider.limits.max_entries, 100);
	assert.deepEqual(states.map((s) => s.state),
			 ['connecting', 'connected']);

	provider.lend({ 'a.txt': 'abc' });
	const answer = await call(ws, 'read',
		{ path: '/a.txt', handle: 0, offset: 0, size: 10 });
	assert.equal(answer.text, false, 'binary agreed: attachment form');
	assert.deepEqual([...answer.attachment], [...encoder.encode('abc')]);
});

test('handshake without binary: no feature offered, reads in base64',
     async () => {
	const { WS, provider } = setup({ binary: false, name: 'fw',
					 agent: 'test/1' });
	provider.lend(sampleTree());
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	assert.deepEqual(hello.obj.params,
			 { protocol: 1, features: [], agent: 'test/1' });
	// A service that answers with a feature never offered is not obeyed.
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, result: {
		protocol: 1, features: ['binary'], authenticate: false } });
	const add = await ws.next();
	assert.deepEqual(add.obj.params, { name: 'fw' });
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id,
			 result: { name: 'fw' } });
	await connected;
	assert.equal(provider.filesystem, 'fw');
	assert.deepEqual(provider.features, []);
	assert.equal(provider.limits.max_message, 16777216, 'defaults kept');

	const answer = await call(ws, 'read',
		{ path: '/hello.txt', handle: 0, offset: 0, size: 100 });
	assert.ok(answer.text);
	assert.equal(answer.obj.result.data, 'aGVsbG8K');
});

test('service offers binary but the provider was told not to use it',
     async () => {
	const { WS, provider } = setup();
	provider.lend({ 'x': 'xyz' });
	const ws = await attach(provider, WS, { binary: false });
	assert.deepEqual(provider.features, []);
	const answer = await call(ws, 'read',
		{ path: '/x', handle: 0, offset: 1, size: 5 });
	assert.ok(answer.text, 'binary not agreed: base64 text');
	assert.equal(answer.obj.result.data, toBase64(encoder.encode('yz')));
});

test('authenticate with a token when the device asks for it', async () => {
	const { WS, provider } = setup({ token: 's3cret' });
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, result: {
		protocol: 1, features: [], authenticate: true } });
	const auth = await ws.next();
	assert.equal(auth.obj.method, 'authenticate');
	assert.deepEqual(auth.obj.params, { type: 'token', token: 's3cret' });
	ws.receiveJson({ jsonrpc: '2.0', id: auth.obj.id, result: {} });
	const add = await ws.next();
	assert.equal(add.obj.method, 'add_filesystem');
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id,
			 result: { name: '' } });
	await connected;
	assert.equal(provider.state, 'connected');
});

test('a device that requires a token fails connect without one',
     async () => {
	const { WS, provider } = setup();
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, result: {
		protocol: 1, features: [], authenticate: true } });
	await assert.rejects(connected, { message: 'the device requires a token' });
	assert.equal(provider.state, 'closed');
	assert.equal(provider.reason, 'the device requires a token');
	assert.ok(ws.closed, 'socket closed');
	assert.equal(ws.sent.length, 0, 'nothing sent after hello');
});

test('a refused token is reported in words', async () => {
	const { WS, provider } = setup({ token: 'wrong' });
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, result: {
		protocol: 1, authenticate: true } });
	const auth = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: auth.obj.id, error: {
		code: -32000, message: 'Permission denied',
		data: { errno: 'EACCES' } } });
	await assert.rejects(connected,
			     { message: 'the device did not accept the token' });
});

test('add_filesystem EBUSY rejects connect in words', async () => {
	const { WS, provider } = setup();
	const states = events(provider, 'statechange');
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id,
			 result: { protocol: 1, features: [] } });
	const add = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id, error: {
		code: -32000, message: 'Device or resource busy',
		data: { errno: 'EBUSY' } } });
	await assert.rejects(connected, { message:
		'another provider already serves this filesystem' });
	assert.equal(provider.state, 'closed');
	assert.deepEqual(states.at(-1), { state: 'closed', reason:
		'another provider already serves this filesystem' });
	assert.ok(ws.closed);
});

test('other handshake failures are reported in words', async () => {
	// Unsupported protocol version.
	let { WS, provider } = setup();
	let connected = provider.connect('ws://device:8080/');
	let ws = WS.sockets[0];
	ws.open();
	let hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id, error: {
		code: -32000, message: 'x',
		data: { errno: 'EPROTONOSUPPORT' } } });
	await assert.rejects(connected, /does not speak webfuse protocol/);

	// No such filesystem: the device's words, when it has some.
	for (const [message, words] of [
		['this device serves several filesystems: choose one by name ' +
		 '(names: "a", "b")', 'this device serves several filesystems: ' +
		 'choose one by name (names: "a", "b")'],
		['No such file or directory', 'the device has no unnamed filesystem'],
	]) {
		({ WS, provider } = setup());
		connected = provider.connect('ws://device:8080/');
		ws = WS.sockets[0];
		ws.open();
		hello = await ws.next();
		ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id,
				 result: { protocol: 1, features: [] } });
		const add = await ws.next();
		ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id, error: {
			code: -32000, message, data: { errno: 'ENOENT' } } });
		await assert.rejects(connected, { message: words });
	}

	// The wrong subprotocol: refused before anything is sent.
	({ WS, provider } = setup());
	connected = provider.connect('ws://device:8080/');
	ws = WS.sockets[0];
	ws.open('');
	await assert.rejects(connected, /does not speak webfuse\.v1/);
	assert.equal(ws.sent.length, 0);
	assert.ok(ws.closed);

	// Closed before the socket ever opened.
	({ WS, provider } = setup());
	connected = provider.connect('ws://device:8080/');
	WS.sockets[0].lose(1006);
	await assert.rejects(connected,
			     { message: 'the device did not answer' });

	// No WebSocket at all (Node 18 has none).
	provider = new WebfuseProvider({ WebSocket: undefined });
	await assert.rejects(provider.connect('ws://x/'), /WebSocket/);
	assert.equal(provider.state, 'idle');
});

test('the handshake times out', async () => {
	const { WS, provider } = setup({ handshakeTimeout: 30 });
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	assert.equal(hello.obj.method, 'hello');
	// ... and the service never answers.
	await assert.rejects(connected,
			     /the device did not answer within 0\.03 s/);
	assert.equal(provider.state, 'closed');
	assert.ok(ws.closed);
	// A late answer to the dropped connection changes nothing.
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id,
			 result: { protocol: 1 } });
	assert.equal(provider.state, 'closed');
});

test('getattr on an in-memory tree', async () => {
	const { WS, provider } = setup();
	const before = Date.now();
	provider.lend(sampleTree());
	const ws = await attach(provider, WS);

	const root = await result(ws, 'getattr', { path: '/' });
	assert.equal(root.type, 'dir');
	assert.equal(root.mode, 0o555);
	assert.equal(root.nlink, 3, 'root has one subdirectory');
	assert.equal(root.uid, undefined);
	assert.equal(root.gid, undefined);

	const hello = await result(ws, 'getattr', { path: '/hello.txt' });
	assert.equal(hello.type, 'reg');
	assert.equal(hello.mode, 0o444);
	assert.equal(hello.nlink, 1);
	assert.equal(hello.size, 6);
	assert.ok(hello.mtime >= Math.floor(before / 1000));
	assert.ok(hello.mtime <= Math.ceil(Date.now() / 1000));
	assert.equal(hello.ctime, hello.mtime);

	const again = await result(ws, 'getattr', { path: '/hello.txt' });
	assert.equal(again.ino, hello.ino, 'ino is stable');
	assert.notEqual(hello.ino, root.ino);

	const readme = await result(ws, 'getattr',
				    { path: '/docs/readme.md' });
	assert.equal(readme.size, 10);
	assert.equal(readme.mtime, 1700000000);
	assert.equal(readme.mtime_ns, 123000000);
	assert.equal(readme.atime, 1700000000);

	const docs = await result(ws, 'getattr', { path: '/docs' });
	assert.equal(docs.nlink, 3);
	const empty = await result(ws, 'getattr', { path: '/docs/empty' });
	assert.equal(empty.nlink, 2);
	assert.equal((await result(ws, 'getattr', { path: '/bytes.bin' })).size,
		     4);
	assert.equal((await result(ws, 'getattr', { path: '/buffer.bin' })).size,
		     3);

	assert.equal(await errno(ws, 'getattr', { path: '/missing' }), 'ENOENT');
	assert.equal(await errno(ws, 'getattr', { path: '/hello.txt/x' }),
		     'ENOTDIR');
});

test('readdir lists entries with their attributes', async () => {
	const { WS, provider } = setup();
	provider.lend(sampleTree());
	const ws = await attach(provider, WS);

	const { entries } = await result(ws, 'readdir', { path: '/' });
	assert.deepEqual(entries.map((e) => e.name).sort(),
			 ['buffer.bin', 'bytes.bin', 'docs', 'hello.txt']);
	const docs = entries.find((e) => e.name === 'docs');
	assert.equal(docs.attr.type, 'dir');
	const hello = entries.find((e) => e.name === 'hello.txt');
	assert.deepEqual(hello.attr,
		await result(ws, 'getattr', { path: '/hello.txt' }));

	const sub = await result(ws, 'readdir', { path: '/docs' });
	assert.deepEqual(sub.entries.map((e) => e.name).sort(),
			 ['empty', 'readme.md']);
	assert.deepEqual((await result(ws, 'readdir',
				       { path: '/docs/empty' })).entries, []);
	assert.equal(await errno(ws, 'readdir', { path: '/hello.txt' }),
		     'ENOTDIR');
	assert.equal(await errno(ws, 'readdir', { path: '/nope' }), 'ENOENT');
});

test('open, read and release on an in-memory tree (base64)', async () => {
	const { WS, provider } = setup({ binary: false });
	provider.lend(sampleTree());
	const ws = await attach(provider, WS, { binary: false });

	const { handle } = await result(ws, 'open',
		{ path: '/hello.txt', access: 'read', flags: ['noatime'] });
	assert.ok(Number.isSafeInteger(handle) && handle >= 1);
	const answer = await call(ws, 'read',
		{ path: '/hello.txt', handle, offset: 0, size: 1024 });
	assert.deepEqual(answer.obj.result, { data: 'aGVsbG8K' });
	assert.deepEqual(await readBytes(ws, { path: '/hello.txt', handle,
		offset: 2, size: 2 }), encoder.encode('ll'));
	assert.deepEqual(await result(ws, 'release',
				      { path: '/hello.txt', handle }), {});
	assert.equal(await errno(ws, 'read', { path: '/hello.txt', handle,
		offset: 0, size: 1 }), 'EBADF', 'released handle is gone');

	const other = (await result(ws, 'open',
		{ path: '/bytes.bin', access: 'read' })).handle;
	assert.notEqual(other, handle);
	assert.deepEqual([...await readBytes(ws, { path: '/bytes.bin',
		handle: other, offset: 0, size: 10 })], [0, 1, 2, 255]);
	assert.deepEqual([...await readBytes(ws, { path: '/buffer.bin',
		handle: 0, offset: 0, size: 10 })], [9, 8, 7]);
	assert.deepEqual(decoder.decode(await readBytes(ws, {
		path: '/docs/readme.md', handle: 0, offset: 0, size: 10 })),
		'# read me\n');

	// Text is lent as UTF-8.
	provider.lend({ 'ü.txt': 'grüße' });
	assert.deepEqual(await readBytes(ws, { path: '/ü.txt', handle: 0,
		offset: 0, size: 100 }), encoder.encode('grüße'));
	assert.equal((await result(ws, 'getattr', { path: '/ü.txt' })).size,
		     7);
});

test('read answer in attachment form, byte for byte', async () => {
	const { WS, provider } = setup();
	provider.lend({ 'hello.txt': 'hello\n' });
	const ws = await attach(provider, WS);
	ws.receiveJson({ jsonrpc: '2.0', id: 2, method: 'read', params: {
		path: '/hello.txt', handle: 0, offset: 0, size: 1024 } });
	const answer = await ws.next();
	assert.equal(answer.text, false);
	const header = '{"jsonrpc":"2.0","id":2,"result":{"data":6}}';
	assert.equal(answer.header, header);
	const expected = new Uint8Array([0, 0, 0, header.length,
		...encoder.encode(header), ...encoder.encode('hello\n')]);
	assert.equal(header.length, 0x2c, 'as in protocol.md section 9');
	assert.deepEqual([...answer.raw], [...expected]);
});

test('read from an array of File objects', async () => {
	const { WS, provider } = setup();
	const data = new Uint8Array(3000).map((_, i) => (i * 7) & 255);
	provider.lend([makeFile(data, 'firmware.img', MTIME),
		       makeFile(encoder.encode('v1.2\n'), 'VERSION', MTIME)]);
	const ws = await attach(provider, WS);

	const { entries } = await result(ws, 'readdir', { path: '/' });
	assert.deepEqual(entries.map((e) => e.name).sort(),
			 ['VERSION', 'firmware.img']);
	const fw = await result(ws, 'getattr', { path: '/firmware.img' });
	assert.equal(fw.size, 3000);
	assert.equal(fw.mtime, 1700000000);
	assert.equal(fw.mtime_ns, 123000000);

	const { handle } = await result(ws, 'open',
		{ path: '/firmware.img', access: 'read' });
	const got = [];
	for (let offset = 0; offset < 3000; offset += 1024)
		got.push(...await readBytes(ws,
			{ path: '/firmware.img', handle, offset, size: 1024 }));
	assert.deepEqual(got, [...data]);
	assert.deepEqual(await readBytes(ws, { path: '/VERSION', handle: 0,
		offset: 0, size: 100 }), encoder.encode('v1.2\n'));
});

test('read at and past end of file, and size 0', async () => {
	for (const binary of [true, false]) {
		const { WS, provider } = setup({ binary });
		provider.lend({ f: 'abcdef' });
		const ws = await attach(provider, WS, { binary });
		const read = (offset, size) => readBytes(ws,
			{ path: '/f', handle: 0, offset, size });
		assert.deepEqual(await read(4, 100), encoder.encode('ef'));
		assert.equal((await read(6, 100)).length, 0, 'at EOF');
		assert.equal((await read(1000, 100)).length, 0, 'past EOF');
		assert.equal((await read(0, 0)).length, 0, 'size 0');
		const eof = await call(ws, 'read',
			{ path: '/f', handle: 0, offset: 6, size: 10 });
		if (binary)
			assert.equal(eof.obj.result.data, 0);
		else
			assert.equal(eof.obj.result.data, '');
	}
});

/** A fake blob of `size` bytes that records the slices asked of it. */
function hugeBlob(size, slices) {
	return {
		size,
		slice(start, end) {
			slices.push([start, end]);
			const n = Math.max(0, end - start);
			return { arrayBuffer: async () => new Uint8Array(n)
				.map((_, i) => (start + i) % 251).buffer };
		},
	};
}

test('a 4 GiB blob is read at its end without reading it whole',
     async () => {
	const size = 4 * 2 ** 30;
	const slices = [];
	const { WS, provider } = setup();
	provider.lend({ 'firmware.img': hugeBlob(size, slices),
			'big.img': hugeBlob(3 * size, slices) });
	const ws = await attach(provider, WS);
	const attr = await result(ws, 'getattr', { path: '/firmware.img' });
	assert.equal(attr.size, size);
	const statfs = await result(ws, 'statfs', { path: '/' });
	assert.equal(statfs.blocks, 4 * size / 4096);

	const { handle } = await result(ws, 'open',
		{ path: '/firmware.img', access: 'read' });
	const offset = size - 10;
	const bytes = await readBytes(ws,
		{ path: '/firmware.img', handle, offset, size: 1000 });
	assert.equal(bytes.length, 10);
	assert.deepEqual([...bytes], Array.from({ length: 10 },
						(_, i) => (offset + i) % 251));
	assert.equal((await readBytes(ws, { path: '/firmware.img', handle,
		offset: size, size: 1024 })).length, 0, 'at EOF');
	assert.equal((await readBytes(ws, { path: '/firmware.img', handle,
		offset: size + 1, size: 1024 })).length, 0, 'past EOF');

	const far = 2 * size + 5;
	const mid = await readBytes(ws,
		{ path: '/big.img', handle: 0, offset: far, size: 1024 });
	assert.equal(mid.length, 1024);
	assert.equal(mid[0], far % 251);
	assert.equal(mid[1023], (far + 1023) % 251);

	assert.deepEqual(slices, [[offset, size], [far, far + 1024]]);
	for (const [start, end] of slices)
		assert.ok(end - start <= 1024, 'no slice beyond the read size');
});

test('every write method answers EROFS; flush, fsync, release {}',
     async () => {
	const { WS, provider } = setup();
	provider.lend(sampleTree());
	const ws = await attach(provider, WS);
	const path = '/hello.txt';
	const cases = {
		create: { path: '/new', mode: 0o644, access: 'write' },
		write: { path, handle: 1, offset: 0, data: 'aGk=' },
		setattr: { path, mode: 0o777 },
		mkdir: { path: '/d', mode: 0o755 },
		mknod: { path: '/n', type: 'fifo', mode: 0o644 },
		symlink: { path: '/l', target: 'hello.txt' },
		link: { path, newpath: '/h2' },
		unlink: { path },
		rmdir: { path: '/docs/empty' },
		rename: { path, newpath: '/h3' },
		setxattr: { path, name: 'user.x', data: 'aGk=' },
		removexattr: { path, name: 'user.x' },
		fallocate: { path, handle: 1, offset: 0, length: 10 },
	};
	for (const [method, params] of Object.entries(cases))
		assert.equal(await errno(ws, method, params), 'EROFS', method);
	assert.equal(await errno(ws, 'open', { path, access: 'write' }),
		     'EROFS');
	assert.equal(await errno(ws, 'open', { path, access: 'read-write' }),
		     'EROFS');
	assert.equal(await errno(ws, 'open',
		{ path, access: 'read', flags: ['truncate'] }), 'EROFS');
	assert.deepEqual(await result(ws, 'getattr', { path }),
			 await result(ws, 'getattr', { path }), 'unchanged');

	const { handle } = await result(ws, 'open', { path, access: 'read' });
	assert.deepEqual(await result(ws, 'flush', { path, handle }), {});
	assert.deepEqual(await result(ws, 'fsync',
				      { path, handle, datasync: true }), {});
	assert.deepEqual(await result(ws, 'fsync',
				      { path: '/docs', datasync: false }), {});
	assert.deepEqual(await result(ws, 'release', { path, handle }), {});
});

test('getxattr, listxattr, readlink, access and statfs', async () => {
	const { WS, provider } = setup();
	provider.lend(sampleTree());
	const ws = await attach(provider, WS);
	const path = '/hello.txt';
	assert.equal(await errno(ws, 'getxattr', { path, name: 'user.a' }),
		     'ENODATA');
	assert.deepEqual(await result(ws, 'listxattr', { path }),
			 { names: [] });
	assert.equal(await errno(ws, 'readlink', { path }), 'EINVAL');
	assert.equal(await errno(ws, 'readlink', { path: '/x' }), 'ENOENT');
	assert.deepEqual(await result(ws, 'access', { path, mode: '' }), {});
	assert.deepEqual(await result(ws, 'access', { path, mode: 'r' }), {});
	assert.equal(await errno(ws, 'access', { path, mode: 'w' }), 'EROFS');
	assert.equal(await errno(ws, 'access', { path, mode: 'rx' }),
		     'EACCES');
	assert.deepEqual(await result(ws, 'access',
				      { path: '/docs', mode: 'rx' }), {});
	assert.equal(await errno(ws, 'access', { path: '/x', mode: '' }),
		     'ENOENT');
	assert.equal(await rpcCode(ws, 'access', { path, mode: 'q' }), -32602);

	const statfs = await result(ws, 'statfs', { path: '/' });
	assert.deepEqual(statfs, {
		bsize: 4096, frsize: 4096,
		blocks: 1, // 6 + 4 + 3 + 10 bytes
		bfree: 0, bavail: 0,
		files: 7, // root, 3 files, docs, readme.md, empty
		ffree: 0, namemax: 255,
	});
});

test('unknown method, invalid paths and integers', async () => {
	const { WS, provider } = setup();
	provider.lend(sampleTree());
	const ws = await attach(provider, WS,
				{ limits: { ...LIMITS, max_message: 65536 } });
	const { obj } = await call(ws, 'frobnicate', { path: '/' });
	assert.equal(obj.error.code, -32601);
	assert.equal(obj.result, undefined);

	const badPaths = ['/docs/..', '/docs/../hello.txt', '/.', 'hello.txt',
		'/docs/', '//hello.txt', '/hello\0.txt', '', 42, undefined,
		'/' + 'a'.repeat(256), '/a'.repeat(2048)];
	for (const path of badPaths) {
		assert.equal(await rpcCode(ws, 'getattr', { path }), -32602,
			     `getattr ${JSON.stringify(path)}`);
		assert.equal(await rpcCode(ws, 'unlink', { path }), -32602,
			     `unlink ${JSON.stringify(path)}`);
	}
	assert.equal(await rpcCode(ws, 'rename',
		{ path: '/hello.txt', newpath: '/a/' }), -32602);

	const read = { path: '/hello.txt', handle: 0, offset: 0, size: 10 };
	for (const [key, value] of [['offset', -1], ['offset', 1.5],
		['offset', '0'], ['size', undefined], ['handle', null],
		['offset', 2 ** 53]])
		assert.equal(await rpcCode(ws, 'read', { ...read, [key]: value }),
			     -32602, `${key} ${value}`);
	assert.equal(await rpcCode(ws, 'read', { ...read, size: 1025 }),
		     -32602, 'above max_read');
	assert.equal(await rpcCode(ws, 'open',
		{ path: '/hello.txt', access: 'all' }), -32602);
	assert.equal(await rpcCode(ws, 'getattr', ['/']), -32602);
	assert.equal(await rpcCode(ws, 'getattr', undefined), -32602);
});

test('unknown handles answer EBADF; a directory handle EISDIR',
     async () => {
	const { WS, provider } = setup();
	provider.lend(sampleTree());
	const ws = await attach(provider, WS);
	const path = '/hello.txt';
	assert.equal(await errno(ws, 'read',
		{ path, handle: 99, offset: 0, size: 1 }), 'EBADF');
	assert.equal(await errno(ws, 'getattr', { path, handle: 99 }), 'EBADF');
	assert.equal(await errno(ws, 'release', { path, handle: 99 }), 'EBADF');
	assert.equal(await errno(ws, 'flush', { path, handle: 99 }), 'EBADF');
	assert.equal(await errno(ws, 'fsync', { path, handle: 99 }), 'EBADF');

	const { handle } = await result(ws, 'open',
					{ path: '/docs', access: 'read' });
	assert.equal(await errno(ws, 'read',
		{ path: '/docs', handle, offset: 0, size: 1 }), 'EISDIR');
	assert.equal(await errno(ws, 'read',
		{ path: '/docs', handle: 0, offset: 0, size: 1 }), 'EISDIR');
	assert.equal((await result(ws, 'getattr', { path: '/x', handle }))
		.type, 'dir', 'getattr by handle ignores the path');
});

test('incoming binary messages: valid accepted, invalid refused',
     async () => {
	const { WS, provider } = setup();
	provider.lend(sampleTree());
	const errors = events(provider, 'error');
	const ws = await attach(provider, WS);

	// A valid request with an attachment is understood.
	ws.receive(attachmentMessage({ jsonrpc: '2.0', id: 70,
		method: 'write', params: { path: '/hello.txt', handle: 1,
		offset: 0, data: 3 } }, new Uint8Array([1, 2, 3])));
	let answer = await ws.next();
	assert.equal(answer.obj.id, 70);
	assert.equal(answer.obj.error.data.errno, 'EROFS');
	assert.equal(errors.length, 0);

	// data says 5 but 3 bytes follow: -32600 to that id.
	ws.receive(attachmentMessage({ jsonrpc: '2.0', id: 71,
		method: 'write', params: { path: '/hello.txt', handle: 1,
		offset: 0, data: 5 } }, new Uint8Array([1, 2, 3])));
	answer = await ws.next();
	assert.equal(answer.obj.id, 71);
	assert.equal(answer.obj.error.code, -32600);
	assert.equal(errors.length, 1);
	assert.match(errors[0].message, /invalid message/);

	// Header length beyond the message: no id to answer, only an event.
	const bad = new Uint8Array(10);
	new DataView(bad.buffer).setUint32(0, 100);
	ws.receive(bad.buffer);
	ws.receive(new Uint8Array([0, 0]).buffer);
	ws.receive('not json');
	assert.equal(errors.length, 4);
	assert.equal(ws.sent.length, 0, 'nothing answered');
	assert.equal(provider.state, 'connected');

	// A text request with data that is not base64.
	ws.receiveJson({ jsonrpc: '2.0', id: 72, method: 'write', params: {
		path: '/hello.txt', handle: 1, offset: 0, data: '*' } });
	answer = await ws.next();
	assert.equal(answer.obj.error.code, -32602);
});

test('a binary message when binary was not agreed is refused', async () => {
	const { WS, provider } = setup();
	const errors = events(provider, 'error');
	const ws = await attach(provider, WS, { binary: false });
	ws.receive(attachmentMessage({ jsonrpc: '2.0', id: 5,
		method: 'getattr', params: { path: '/', data: 0 } },
		new Uint8Array(0)));
	assert.equal(errors.length, 1);
	assert.match(errors[0].message, /binary was not agreed/);
	assert.equal(ws.sent.length, 0);
});

test('a message above max_message closes the connection', async () => {
	for (const big of ['x'.repeat(5000), new Uint8Array(5000).buffer]) {
		const { WS, provider } = setup();
		const errors = events(provider, 'error');
		const ws = await attach(provider, WS);
		ws.receive(big);
		assert.equal(provider.state, 'closed');
		assert.match(provider.reason, /5000 bytes, more than the limit of 4096/);
		assert.equal(errors.length, 1);
		assert.match(errors[0].message, /4096/);
		assert.ok(ws.closed);
	}
});

test('read events and bytesRead', async () => {
	const { WS, provider } = setup();
	provider.lend({ 'a.bin': new Uint8Array(100), 'b.bin': 'bb' });
	const reads = events(provider, 'read');
	const ws = await attach(provider, WS);
	assert.equal(provider.bytesRead, 0);
	await readBytes(ws, { path: '/a.bin', handle: 0, offset: 0, size: 60 });
	await readBytes(ws, { path: '/a.bin', handle: 0, offset: 60, size: 60 });
	await readBytes(ws, { path: '/b.bin', handle: 0, offset: 0, size: 60 });
	await readBytes(ws, { path: '/b.bin', handle: 0, offset: 9, size: 60 });
	assert.equal(provider.bytesRead, 102);
	assert.deepEqual(reads, [
		{ path: '/a.bin', offset: 0, size: 60, bytesRead: 60 },
		{ path: '/a.bin', offset: 60, size: 40, bytesRead: 100 },
		{ path: '/b.bin', offset: 0, size: 2, bytesRead: 102 },
		{ path: '/b.bin', offset: 9, size: 0, bytesRead: 102 },
	]);

	// bytesRead counts from connect.
	provider.disconnect();
	await attach(provider, WS);
	assert.equal(provider.bytesRead, 0);
});

test('lend() refuses invalid names, duplicates and values', () => {
	const provider = new WebfuseProvider({ WebSocket: fakeWebSocket() });
	const file = (name) => makeFile(new Uint8Array(1), name, MTIME);
	const bad = [
		[{ '': 'x' }, /is empty/],
		[{ 'a/b': 'x' }, /contains "\/"/],
		[{ 'a\0b': 'x' }, /NUL/],
		[{ '.': 'x' }, /"\." or "\.\."/],
		[{ d: { '..': 'x' } }, /"d\/\.\." is "\." or "\.\."/],
		[{ ['é'.repeat(128)]: 'x' }, /256 bytes long in UTF-8/],
		[{ a: 42 }, /"a" is neither/],
		[{ a: null }, /"a" is neither/],
		[{ a: { size: -1, slice() {} } }, /invalid size/],
		[[file('fw.img'), file('fw.img')], /two files are named "fw.img"/],
		[[file('')], /is empty/],
		[[file('..')], /"\." or "\.\."/],
		[['text'], /item 0 is not a file/],
		['text', /takes an array of files/],
		[null, /takes an array of files/],
	];
	provider.lend({ kept: 'x' });
	for (const [what, message] of bad)
		assert.throws(() => provider.lend(what),
			      (e) => e instanceof TypeError && message.test(e.message),
			      `lend(${String(what)}) should throw ${message}`);
	assert.ok(provider._root.children.has('kept'),
		  'a failed lend() keeps what was lent');

	const cyclic = {};
	cyclic.self = cyclic;
	assert.throws(() => provider.lend(cyclic), /longer than 4095 bytes/);

	assert.doesNotThrow(() => provider.lend({ ['é'.repeat(127)]: 'x',
		'...': 'x', 'a b': { 'ünïcødé': '' } }));
	assert.doesNotThrow(() => provider.lend(new Set([file('one')])),
			    'any iterable of files, as a FileList');
});

test('lend() while connected: new tree, open handles keep their file',
     async () => {
	const { WS, provider } = setup();
	provider.lend({ 'fw.img': 'old firmware' });
	const ws = await attach(provider, WS);
	const { handle } = await result(ws, 'open',
					{ path: '/fw.img', access: 'read' });
	const oldIno = (await result(ws, 'getattr', { path: '/fw.img' })).ino;

	provider.lend({ 'fw.img': 'new', 'other.txt': 'o' });
	assert.equal(provider.state, 'connected');
	const { entries } = await result(ws, 'readdir', { path: '/' });
	assert.deepEqual(entries.map((e) => e.name).sort(),
			 ['fw.img', 'other.txt']);
	assert.equal(decoder.decode(await readBytes(ws,
		{ path: '/fw.img', handle, offset: 0, size: 100 })),
		'old firmware');
	assert.equal((await result(ws, 'getattr', { path: '/fw.img', handle }))
		.ino, oldIno);
	assert.equal(decoder.decode(await readBytes(ws,
		{ path: '/fw.img', handle: 0, offset: 0, size: 100 })), 'new');
	assert.notEqual((await result(ws, 'getattr', { path: '/fw.img' })).ino,
			oldIno);
});

test('a file that cannot be read answers EIO and says why', async () => {
	const failing = {
		size: 100,
		slice() {
			return { arrayBuffer: () => Promise.reject(
				new Error('the file changed on disk')) };
		},
	};
	const { WS, provider } = setup();
	const errors = events(provider, 'error');
	const reads = events(provider, 'read');
	provider.lend({ 'firmware.img': failing });
	const ws = await attach(provider, WS);
	assert.equal(await errno(ws, 'read', { path: '/firmware.img',
		handle: 0, offset: 0, size: 10 }), 'EIO');
	assert.deepEqual(errors, [{ message: 'could not read firmware.img ' +
		'from disk: the file changed on disk' }]);
	assert.equal(reads.length, 0);
	assert.equal(provider.bytesRead, 0);
	assert.equal(provider.state, 'connected');
});

test('close after attach, and disconnect', async () => {
	let { WS, provider } = setup();
	let states = events(provider, 'statechange');
	let ws = await attach(provider, WS);
	ws.lose(1006);
	assert.equal(provider.state, 'closed');
	assert.equal(provider.reason, 'connection lost (code 1006)');
	assert.deepEqual(states.at(-1),
			 { state: 'closed', reason: 'connection lost (code 1006)' });

	// Replaced by another provider: said in words.
	({ WS, provider } = setup());
	ws = await attach(provider, WS);
	ws.lose(4001);
	assert.equal(provider.state, 'closed');
	assert.equal(provider.reason,
		     'another provider took this filesystem over');

	({ WS, provider } = setup());
	states = events(provider, 'statechange');
	provider.lend({ f: 'x' });
	ws = await attach(provider, WS);
	provider.disconnect();
	assert.equal(provider.state, 'closed');
	assert.equal(provider.reason, 'disconnected');
	assert.deepEqual(ws.closed, { code: 1000 });
	await new Promise((resolve) => setTimeout(resolve, 5));
	assert.equal(provider.reason, 'disconnected', 'close event ignored');
	assert.equal(states.filter((s) => s.state === 'closed').length, 1);

	// A request arriving after the close is not answered.
	ws.closed = null;
	ws.receiveJson({ jsonrpc: '2.0', id: 1, method: 'getattr',
			 params: { path: '/' } });
	assert.equal(ws.sent.length, 0);

	// The module does not reconnect on its own; connect() again does.
	assert.equal(WS.sockets.length, 1);
	await attach(provider, WS);
	assert.equal(provider.state, 'connected');
});

test('disconnect while connecting rejects connect', async () => {
	const { WS, provider } = setup();
	const connected = provider.connect('ws://device:8080/');
	WS.sockets[0].open();
	provider.disconnect();
	await assert.rejects(connected, { message: 'disconnected' });
	assert.equal(provider.state, 'closed');
	// connect() while connecting is refused, the first attempt goes on.
	const second = setup();
	const first = second.provider.connect('ws://device:8080/');
	await assert.rejects(second.provider.connect('ws://device:8080/'),
			     /already connected/);
	assert.equal(second.provider.state, 'connecting');
	assert.equal(second.WS.sockets.length, 1);
	second.provider.disconnect();
	await assert.rejects(first, { message: 'disconnected' });
});

test('ids: unknown responses ignored, requests before attach refused',
     async () => {
	const { WS, provider } = setup();
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: 1, method: 'getattr',
			 params: { path: '/' } });
	const refused = await ws.next();
	assert.equal(refused.obj.id, 1);
	assert.equal(refused.obj.error.code, -32600);

	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id + 100,
			 result: { protocol: 1 } });
	ws.receiveJson({ jsonrpc: '2.0', method: 'getattr',
			 params: { path: '/' } }); // a notification
	assert.equal(ws.sent.length, 0);
	assert.equal(provider.state, 'connecting');

	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id,
			 result: { protocol: 1, features: [] } });
	const add = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id, result: {} });
	// A second answer to the same id is ignored.
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id, error: {
		code: -32000, message: 'x', data: { errno: 'EBUSY' } } });
	await connected;
	assert.equal(provider.state, 'connected');
});

test('a request right behind the add_filesystem answer is served',
     async () => {
	const { WS, provider } = setup();
	provider.lend({ 'a.txt': 'abc' });
	const connected = provider.connect('ws://device:8080/');
	const ws = WS.sockets[0];
	ws.open();
	const hello = await ws.next();
	ws.receiveJson({ jsonrpc: '2.0', id: hello.obj.id,
			 result: { protocol: 1, features: [] } });
	const add = await ws.next();
	// Both in one go, as a WebSocket may deliver them before any
	// promise callback runs.
	ws.receiveJson({ jsonrpc: '2.0', id: add.obj.id, result: {} });
	ws.receiveJson({ jsonrpc: '2.0', id: 1, method: 'getattr',
			 params: { path: '/a.txt' } });
	await connected;
	const answer = await ws.next();
	assert.equal(answer.obj.id, 1);
	assert.equal(answer.obj.result.size, 3);
});

test('base64 helpers round-trip and refuse invalid text', () => {
	for (let n = 0; n < 8; n++) {
		const bytes = new Uint8Array(n).map((_, i) => 250 - i * 40);
		const text = toBase64(bytes);
		assert.equal(text, Buffer.from(bytes).toString('base64'));
		assert.deepEqual(fromBase64(text), bytes);
	}
	for (const bad of ['a', 'ab=c', '====', '*AAA', 'AA==AA==', 'ÄAAA'])
		assert.equal(fromBase64(bad), null, bad);
});
