// The maintenance page: the person picks files, the device reads them over
// webfuse. What the list shows is always exactly what the provider lends.
import { WebfuseProvider } from './webfuse.js';

const $ = (id) => document.getElementById(id);
const provider = new WebfuseProvider();
let files = [];
const readOf = new Map(); // '/name' -> bytes the device read of it
let renderQueued = false;

function formatBytes(n) {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let i = 0;
	while (n >= 1024 && i < units.length - 1) {
		n /= 1024;
		i++;
	}
	return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

function capitalize(text) {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

function defaultUrl() {
	const given = new URLSearchParams(location.search).get('url');
	if (given)
		return given;
	if (!location.host) // opened as a file, not served by the device
		return 'ws://localhost:8080/';
	const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
	return `${scheme}://${location.host}/`;
}

function showError(text) {
	$('error').textContent = text;
}

function busy() {
	return provider.state === 'connecting' || provider.state === 'connected';
}

function totalSize() {
	return files.reduce((sum, f) => sum + f.size, 0);
}

// Lends `next` first, so that a name the provider refuses never shows up.
function setFiles(next) {
	try {
		provider.lend(next);
	} catch (e) {
		showError(`Cannot lend these files: ${e.message}.`);
		return;
	}
	files = next;
	render();
}

function addFiles(list) {
	const next = files.slice();
	for (const file of list) {
		const i = next.findIndex((f) => f.name === file.name);
		if (i >= 0)
			next[i] = file;
		else
			next.push(file);
	}
	showError('');
	setFiles(next);
}

function stateWords() {
	const n = files.length;
	switch (provider.state) {
	case 'connecting':
		return `Connecting to ${$('url').value}…`;
	case 'connected':
		return `Connected: the device can read ${n} ` +
		       (n === 1 ? 'file' : 'files');
	case 'closed':
		return provider.reason === 'disconnected' ? 'Disconnected'
			: `Not connected: ${provider.reason}`;
	default:
		return 'Not connected';
	}
}

function fileItem(file) {
	const li = document.createElement('li');
	const name = document.createElement('span');
	name.className = 'name';
	name.textContent = file.name;
	const size = document.createElement('span');
	size.className = 'size';
	size.textContent = formatBytes(file.size);
	const progress = document.createElement('progress');
	progress.max = 1;
	progress.value = file.size
		? Math.min((readOf.get('/' + file.name) || 0) / file.size, 1) : 0;
	progress.setAttribute('aria-label', `Read of ${file.name}`);
	const remove = document.createElement('button');
	remove.type = 'button';
	remove.textContent = 'Remove';
	remove.setAttribute('aria-label', `Remove ${file.name}`);
	remove.disabled = busy();
	remove.addEventListener('click', () =>
		setFiles(files.filter((f) => f !== file)));
	li.append(name, size, progress, remove);
	return li;
}

function render() {
	renderQueued = false;
	$('files').replaceChildren(...files.map(fileItem));
	$('no-files').hidden = files.length > 0;
	$('total').textContent = formatBytes(totalSize());

	const state = $('state');
	state.dataset.state = provider.state;
	state.textContent = stateWords();
	$('connect').textContent = busy() ? 'Disconnect' : 'Connect';
	$('url').disabled = busy();
	$('token').disabled = busy();

	// Reads repeat (the kernel's cache forgets), so the bar stops at 100%.
	const total = totalSize();
	$('bytes-read').textContent = `${formatBytes(provider.bytesRead)} read`;
	$('progress').value = total ? Math.min(provider.bytesRead / total, 1) : 0;
}

// A device reading fast sends hundreds of reads a second: draw a few times
// a second. Not requestAnimationFrame, which stops in a hidden tab.
function renderSoon() {
	if (!renderQueued) {
		renderQueued = true;
		setTimeout(render, 100);
	}
}

provider.addEventListener('read', (ev) => {
	const { path, size } = ev.detail;
	readOf.set(path, (readOf.get(path) || 0) + size);
	renderSoon();
});

let wasConnected = false;
provider.addEventListener('statechange', (ev) => {
	const { state, reason } = ev.detail;
	if (state === 'closed' && wasConnected && reason !== 'disconnected')
		showError(`The connection to the device ended: ${reason}.`);
	wasConnected = state === 'connected';
	render();
});

provider.addEventListener('error', (ev) => {
	showError(capitalize(ev.detail.message) + '.');
});

$('form').addEventListener('submit', async (ev) => {
	ev.preventDefault();
	if (busy()) {
		provider.disconnect();
		return;
	}
	showError('');
	if (files.length === 0) {
		showError('Choose at least one file to lend before connecting.');
		return;
	}
	const url = $('url').value.trim();
	provider.options.token = $('token').value || undefined;
	// A device with several filesystems: ?fs=NAME chooses one.
	provider.options.name =
		new URLSearchParams(location.search).get('fs') || undefined;
	readOf.clear();
	try {
		await provider.connect(url);
	} catch (e) {
		if (e.message !== 'disconnected')
			showError(`Could not connect to ${url}: ${e.message}.`);
	}
});

$('file-input').addEventListener('change', (ev) => {
	addFiles(ev.target.files);
	ev.target.value = ''; // so that picking the same file again counts
});

const drop = $('drop');
drop.addEventListener('dragover', (ev) => {
	ev.preventDefault();
	drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (ev) => {
	ev.preventDefault();
	drop.classList.remove('over');
	addFiles(ev.dataTransfer.files);
});
// A file dropped beside the area must not replace the page with itself.
window.addEventListener('dragover', (ev) => ev.preventDefault());
window.addEventListener('drop', (ev) => ev.preventDefault());

// Leaving the page ends the lending; ask first while the device reads.
window.addEventListener('beforeunload', (ev) => {
	if (provider.state === 'connected') {
		ev.preventDefault();
		ev.returnValue = '';
	}
});

$('url').value = defaultUrl();
render();
