/**
 * Adapter (not part of dataserver): maps the dataserver test suite's root/admin calls
 * (HTTP Basic auth: test/setup, users/<id>/clear, groups/<id>/clear, groups, groups/<id>/users,
 * keys/<key>, users/<id>/groups) onto zotmark's sandbox control routes under /_sandbox/.
 * Loaded with `mocha --require sandbox-adapter.mjs` (run.sh); the test files and helpers are unchanged.
 *
 *  - test/setup            -> POST /_sandbox/reset, add user 2, create one key per user
 *                             (full user access + all groups read/write), answer {user1, user2}
 *  - users/<id>/clear      -> POST /_sandbox/reset, then re-apply what the suite set up
 *                             (user 2, groups with their ids, deleted groups, keys' access)
 *  - groups/<id>/clear     -> delete and re-create that group with the same id (keys' access kept)
 *  - POST groups (XML)     -> POST /_sandbox/groups; 201 + Location .../groups/<id>
 *  - POST groups/<id>/users -> re-create the group with those members
 *  - DELETE groups/<id>    -> DELETE /_sandbox/groups/<id>
 *  - GET|PUT keys/<key>    -> GET|PUT /_sandbox/keys/<key> (groups["0"] taken as "all")
 *  - GET users/<id>/groups -> GET /users/<id>/groups with user 1's key
 * Every other Basic-auth request goes to the sandbox unchanged.
 */

import fs from 'fs';
import { syncBuiltinESMExports } from 'module';

const BASE = process.env.SANDBOX_URL.replace(/\/$/, '');

// api3.js reads <repo>/htdocs/zotero-schema/schema.json (../../ from tests/remote), which would be
// outside a full dataserver checkout; serve zotmark's packaged copy of the schema instead.
const SCHEMA = process.env.SCHEMA_JSON;  // zotmark's packaged copy, set by run.sh
const realReadFileSync = fs.readFileSync;
fs.readFileSync = function (file, ...rest) {
	if (typeof file === 'string' && file.endsWith('htdocs/zotero-schema/schema.json')) {
		file = SCHEMA;
	}
	return realReadFileSync.call(this, file, ...rest);
};
syncBuiltinESMExports();
const realFetch = globalThis.fetch;
const FULL = {
	user: { library: true, notes: true, write: true, files: true },
	groups: { all: { library: true, write: true } }
};

let state = {
	userID: null,
	userID2: null,
	keys: [], // keys created by test/setup (plus any PUT by the suite)
	groups: new Map(), // id -> body for /_sandbox/groups
	deletedGroups: new Set()
};

function log(...args) {
	if (process.env.ADAPTER_DEBUG) {
		console.error('[adapter]', ...args);
	}
}

function randomKey() {
	let chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
	let s = '';
	for (let i = 0; i < 24; i++) {
		s += chars.charAt(Math.floor(Math.random() * chars.length));
	}
	return s;
}

async function ctl(method, path, body) {
	let init = { method };
	if (body !== undefined) {
		init.body = JSON.stringify(body);
		init.headers = { 'Content-Type': 'application/json' };
	}
	let r = await realFetch(BASE + path, init);
	let text = await r.text();
	log(method, path, r.status, text.slice(0, 200));
	return { status: r.status, text, json: () => JSON.parse(text) };
}

function reply(status, body = null, headers = {}) {
	if (status === 204 || body === null) {
		return new Response(null, { status, headers });
	}
	if (typeof body !== 'string') {
		body = JSON.stringify(body);
		headers = { 'Content-Type': 'application/json', ...headers };
	}
	return new Response(body, { status, headers });
}

function xmlAttrs(xml) {
	let attrs = {};
	for (let m of xml.matchAll(/(\w+)="([^"]*)"/g)) {
		attrs[m[1]] = m[2];
	}
	return attrs;
}

async function snapshotKeys() {
	let out = [];
	for (let key of state.keys) {
		let r = await ctl('GET', `/_sandbox/keys/${key}`);
		if (r.status === 200) {
			let j = r.json();
			out.push([key, { userID: j.userID, access: j.access }]);
		}
	}
	return out;
}

async function restoreKeys(snapshot) {
	for (let [key, body] of snapshot) {
		await ctl('PUT', `/_sandbox/keys/${key}`, body);
	}
}

async function createGroup(id, body) {
	return ctl('POST', '/_sandbox/groups', { ...body, id });
}

// The suite's two users (config userID/userID2, username/username2, displayName/displayName2),
// added to the sandbox unless the sandbox already has that id (e.g. its own user 1).
async function addUsers() {
	let users = [
		[state.userID, process.env.DS_USERNAME || 'phpunit', process.env.DS_DISPLAYNAME || 'Real Name'],
		[state.userID2, process.env.DS_USERNAME2 || 'phpunit2', process.env.DS_DISPLAYNAME2 || 'Real Name 2']
	];
	for (let [id, username, displayName] of users) {
		if (id) {
			await ctl('POST', '/_sandbox/users', { id, username, displayName });
		}
	}
}

async function fullReset() {
	let keys = await snapshotKeys();
	await ctl('POST', '/_sandbox/reset');
	await addUsers();
	for (let id of state.deletedGroups) {
		await ctl('DELETE', `/_sandbox/groups/${id}`);
	}
	for (let [id, body] of state.groups) {
		await createGroup(id, body);
	}
	await restoreKeys(keys);
}

function normalizeAccess(access) {
	access = access || {};
	if (access.groups && typeof access.groups === 'object') {
		let groups = {};
		for (let [name, rights] of Object.entries(access.groups)) {
			groups[String(name) === '0' ? 'all' : name] = rights;
		}
		access = { ...access, groups };
	}
	return access;
}

async function handleRoot(method, path, query, body) {
	let m;
	if (method === 'POST' && path === 'test/setup') {
		state.userID = parseInt(query.get('u'));
		state.userID2 = parseInt(query.get('u2'));
		state.groups = new Map();
		state.deletedGroups = new Set();
		await ctl('POST', '/_sandbox/reset');
		await addUsers();
		let k1 = randomKey();
		let k2 = randomKey();
		await ctl('PUT', `/_sandbox/keys/${k1}`, { userID: state.userID, access: FULL });
		await ctl('PUT', `/_sandbox/keys/${k2}`, { userID: state.userID2, access: FULL });
		state.keys = [k1, k2];
		return reply(200, { user1: { apiKey: k1 }, user2: { apiKey: k2 } });
	}
	if (method === 'GET' && (m = path.match(/^users\/(\d+)\/groups$/))) {
		let r = await realFetch(`${BASE}/users/${m[1]}/groups`, {
			headers: { Authorization: `Bearer ${state.keys[0]}`, 'Zotero-API-Version': '3' }
		});
		return reply(r.status, await r.text(), { 'Content-Type': r.headers.get('Content-Type') || 'application/json' });
	}
	if (method === 'POST' && (m = path.match(/^users\/(\d+)\/clear$/))) {
		await fullReset();
		return reply(204);
	}
	if (method === 'POST' && (m = path.match(/^groups\/(\d+)\/clear$/))) {
		let id = parseInt(m[1]);
		if (state.groups.has(id)) {
			let keys = await snapshotKeys();
			await ctl('DELETE', `/_sandbox/groups/${id}`);
			await createGroup(id, state.groups.get(id));
			await restoreKeys(keys);
		}
		else {
			await fullReset();
		}
		return reply(204);
	}
	if (method === 'POST' && path === 'groups') {
		let a = xmlAttrs(String(body));
		let g = {
			name: a.name,
			owner: parseInt(a.owner),
			type: a.type,
			libraryReading: a.libraryReading,
			libraryEditing: a.libraryEditing,
			fileEditing: a.fileEditing,
			description: a.description || '',
			url: a.url || '',
			members: []
		};
		let r = await ctl('POST', '/_sandbox/groups', g);
		if (r.status !== 201) {
			return reply(r.status, r.text);
		}
		let id = r.json().id;
		state.groups.set(id, g);
		return reply(201, r.text, { Location: `${BASE}/groups/${id}`, 'Content-Type': 'application/json' });
	}
	if (method === 'POST' && (m = path.match(/^groups\/(\d+)\/users$/))) {
		let id = parseInt(m[1]);
		let g = state.groups.get(id);
		if (!g) {
			return reply(404, 'Group not found');
		}
		for (let u of String(body).matchAll(/<user\s+id="(\d+)"\s+role="(\w+)"/g)) {
			let uid = parseInt(u[1]);
			if (u[2] === 'admin') {
				g.admins = [...(g.admins || []), uid];
			}
			if (!g.members.includes(uid)) {
				g.members.push(uid);
			}
		}
		let keys = await snapshotKeys();
		await ctl('DELETE', `/_sandbox/groups/${id}`);
		let r = await createGroup(id, g);
		await restoreKeys(keys);
		return reply(r.status === 201 ? 200 : r.status, r.text);
	}
	if (method === 'DELETE' && (m = path.match(/^groups\/(\d+)$/))) {
		let id = parseInt(m[1]);
		let r = await ctl('DELETE', `/_sandbox/groups/${id}`);
		if (r.status === 204) {
			state.groups.delete(id);
			state.deletedGroups.add(id);
		}
		return reply(r.status, r.status === 204 ? null : r.text);
	}
	if ((m = path.match(/^keys\/([^/]+)$/))) {
		let key = decodeURIComponent(m[1]);
		if (method === 'GET') {
			let r = await ctl('GET', `/_sandbox/keys/${key}`);
			return reply(r.status, r.text, { 'Content-Type': 'application/json' });
		}
		if (method === 'PUT') {
			let json;
			try {
				json = JSON.parse(String(body));
			}
			catch {
				return reply(400, 'Invalid JSON');
			}
			let payload = { access: normalizeAccess(json.access) };
			if (json.userID) {
				payload.userID = json.userID;
			}
			let r = await ctl('PUT', `/_sandbox/keys/${key}`, payload);
			if (r.status === 200 && !state.keys.includes(key)) {
				state.keys.push(key);
			}
			return reply(r.status, r.text, { 'Content-Type': 'application/json' });
		}
		if (method === 'DELETE') {
			let r = await ctl('DELETE', `/_sandbox/keys/${key}`);
			state.keys = state.keys.filter(k => k !== key);
			return reply(r.status, r.status === 204 ? null : r.text);
		}
	}
	if (method === 'GET' && (m = path.match(/^users\/(\d+)\/(.+)$/))) {
		// Root read of a user's data (superGet): answered with that user's key
		let uid = parseInt(m[1]);
		let key = uid === state.userID2 ? state.keys[1] : state.keys[0];
		let r = await realFetch(`${BASE}/${path}${query.toString() ? '?' + query : ''}`, {
			headers: { Authorization: `Bearer ${key}`, 'Zotero-API-Version': '3' }
		});
		let headers = {};
		for (let [k, v] of r.headers) {
			if (!['content-length', 'content-encoding', 'transfer-encoding'].includes(k)) {
				headers[k] = v;
			}
		}
		return reply(r.status, r.status === 204 || r.status === 304 ? null : await r.text(), headers);
	}
	return null;
}

function getAuth(headers) {
	if (!headers) {
		return null;
	}
	if (typeof headers.get === 'function') {
		return headers.get('Authorization');
	}
	for (let [k, v] of Object.entries(headers)) {
		if (k.toLowerCase() === 'authorization') {
			return v;
		}
	}
	return null;
}

globalThis.fetch = async function (url, init = {}) {
	let auth = getAuth(init.headers);
	let u = new URL(String(url));
	if (auth && auth.startsWith('Basic ') && String(url).startsWith(BASE)) {
		let path = u.pathname.replace(/^\//, '');
		let method = (init.method || 'GET').toUpperCase();
		let handled = await handleRoot(method, path, u.searchParams, init.body);
		if (handled) {
			return handled;
		}
		log('unmapped root call passed through:', method, path);
	}
	return realFetch(url, init);
};
