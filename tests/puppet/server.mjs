#!/usr/bin/env node
/**
 * Test rig for the lianhu Wechaty gateway: the official Wechaty puppet-service
 * server (wechaty-puppet-service PuppetServer) wrapping the mock puppet
 * (wechaty-puppet-mock PuppetMock), plus a tiny HTTP control channel so tests
 * can play the residents.
 *
 *   node server.mjs --port 23456 --token secret [--control-port 0]
 *                   [--bot-id bot] [--bot-name 联户助手]
 *
 * The gRPC server listens on 127.0.0.1:<port> without TLS. Once both servers
 * listen, one JSON line is printed on stdout:
 *   {"event":"ready","grpcPort":23456,"controlPort":34567,"botId":"bot"}
 *
 * Control channel (HTTP, JSON bodies, 127.0.0.1:<controlPort>):
 *   GET  /status                          -> {loggedIn, botId, startCalls, contacts, rooms,
 *                                             sent}  (startCalls: 1 at boot + 1 per client Start)
 *   POST /contact {id, name}              -> {id}
 *   POST /room    {id, topic, members, aliases?}  -> {id}  (the bot is always a
 *                  member; aliases: {contactId: group nickname}; WeChat's room ids end
 *                  in "@chatroom", any id not used by a contact works here)
 *   POST /say     {from, text, room?, mentions?}
 *                  room given: said in the room, mentioning `mentions` (ids);
 *                  room absent: said privately to the bot   -> {id, at}
 *   POST /image   {from, room?, name, base64}  a picture     -> {id, at}
 *        (`at`, like `at` in /sent, is the server's clock in ms)
 *   GET  /sent?since=N                    -> {total, messages: [...]} what the
 *        bot sent: {id, conversationId, isRoom, text, mentionIds, file, at}
 *   POST /logout                          -> {} the account logs out
 *   POST /shutdown                        -> {} and the process exits
 *
 * Fix for the mock: PuppetMock.messageSendText/messageSendFile return no message
 * id (python-wechaty's Message.say() then fails with "no id"); here they return
 * the id of the message the mocker just created, and they record the mentions
 * (which PuppetMock drops) for the tests to read.
 */
process.noDeprecation = true

import http from 'node:http'
import crypto from 'node:crypto'

import { FileBox } from 'file-box'
import { PuppetMock, mock } from 'wechaty-puppet-mock'
import { PuppetServer } from 'wechaty-puppet-service'
import { log } from 'wechaty-puppet'

function parseArgs (argv) {
  const out = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a.startsWith('--')) {
      const key = a.slice(2)
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) {
        out[key] = 'true'
      } else {
        out[key] = next
        i++
      }
    }
  }
  return out
}

const args = parseArgs(process.argv.slice(2))
const env = process.env
const GRPC_PORT = Number(args.port || env.PUPPET_PORT || 0)
const CONTROL_PORT = Number(args['control-port'] || env.PUPPET_CONTROL_PORT || 0)
const TOKEN = args.token || env.WECHATY_PUPPET_SERVICE_TOKEN || 'insecure_test_token'
const BOT_ID = args['bot-id'] || 'bot'
const BOT_NAME = args['bot-name'] || '联户助手'

if (!GRPC_PORT) {
  console.error('server.mjs: --port is required')
  process.exit(2)
}
log.level(env.WECHATY_LOG || 'warn')

const mocker = new mock.Mocker()
const sent = []
const roomAliases = new Map() // `${roomId} ${contactId}` -> group nickname

let startCalls = 0 // Start calls: 1 at boot, then one per client (re)connect

class RigPuppet extends PuppetMock {
  async start () {
    startCalls++
    return super.start()
  }

  async onStart () {
    await super.onStart()
    // a real puppet service comes up with its account logged in
    setImmediate(() => {
      if (!this.isLoggedIn) {
        this.login(BOT_ID)
      }
    })
  }

  /** make the bot say something, return the id of the message created */
  async _sendAndRecord (conversationId, something, mentionIds, file) {
    if (!this.isLoggedIn) {
      throw new Error('not logged in')
    }
    const isRoom = mocker.cacheRoomPayload.has(conversationId)
    const user = mocker.ContactMock.load(this.currentUserId)
    const conversation = isRoom
      ? mocker.RoomMock.load(conversationId)
      : mocker.ContactMock.load(conversationId)
    const mentions = (mentionIds || []).map(id => mocker.ContactMock.load(id))
    let messageId
    const grab = ({ messageId: id }) => { messageId = id }
    this.once('message', grab) // say().to() emits it synchronously
    try {
      user.say(something, mentions).to(conversation)
    } finally {
      this.off('message', grab)
    }
    if (!messageId) {
      throw new Error('mocker created no message')
    }
    sent.push({
      id: messageId,
      conversationId,
      isRoom,
      text: typeof something === 'string' ? something : '',
      mentionIds: mentionIds || [],
      file: file || null,
      at: Date.now(),
    })
    return messageId
  }

  async messageSendText (conversationId, text, mentionIdList) {
    return this._sendAndRecord(conversationId, text, mentionIdList, null)
  }

  async messageSendFile (conversationId, fileBox) {
    const buf = await fileBox.toBuffer()
    const file = {
      name: fileBox.name,
      size: buf.length,
      sha256: crypto.createHash('sha256').update(buf).digest('hex'),
    }
    // a base64 box: serialisable (the mocker keeps toJSON()), unlike a stream
    const box = FileBox.fromBase64(buf.toString('base64'), fileBox.name)
    return this._sendAndRecord(conversationId, box, [], file)
  }

  /** group nicknames (the mock has none) */
  async roomMemberRawPayload (roomId, contactId) {
    const payload = await super.roomMemberRawPayload(roomId, contactId)
    const roomAlias = roomAliases.get(`${roomId} ${contactId}`)
    return roomAlias ? { ...payload, roomAlias } : payload
  }

  /** the mock answers every image with a QR code: answer with the picture sent */
  async messageImage (messageId, imageType) {
    const json = mocker.cacheFileBoxPayload.get(messageId)
    if (json) {
      return FileBox.fromJSON(json)
    }
    return super.messageImage(messageId, imageType)
  }
}

const puppet = new RigPuppet({ mocker })
const bot = mocker.createContact({ id: BOT_ID, name: BOT_NAME })
void bot

const server = new PuppetServer({
  endpoint: `127.0.0.1:${GRPC_PORT}`,
  puppet,
  token: TOKEN,
  tls: { disable: true },
})

function readBody (req) {
  return new Promise((resolve, reject) => {
    const chunks = []
    req.on('data', c => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      if (!raw) return resolve({})
      try { resolve(JSON.parse(raw)) } catch (e) { reject(e) }
    })
    req.on('error', reject)
  })
}

function contact (id) {
  return mocker.ContactMock.load(id)
}

async function handle (method, url, body) {
  const path = url.pathname
  if (method === 'GET' && path === '/status') {
    return {
      loggedIn: puppet.isLoggedIn,
      botId: BOT_ID,
      startCalls,
      contacts: [...mocker.cacheContactPayload.keys()],
      rooms: [...mocker.cacheRoomPayload.keys()],
      sent: sent.length,
    }
  }
  if (method === 'GET' && path === '/sent') {
    const since = Number(url.searchParams.get('since') || 0)
    return { total: sent.length, messages: sent.slice(since) }
  }
  if (method !== 'POST') {
    throw Object.assign(new Error(`no route ${method} ${path}`), { status: 404 })
  }
  switch (path) {
    case '/contact': {
      if (!body.id) throw new Error('id required')
      if (!mocker.cacheContactPayload.has(body.id)) {
        mocker.createContact({ id: body.id, name: body.name || body.id })
      }
      return { id: body.id }
    }
    case '/room': {
      if (!body.id) throw new Error('id required')
      const members = [...new Set([BOT_ID, ...(body.members || [])])]
      for (const m of members) contact(m) // must exist
      for (const [cid, alias] of Object.entries(body.aliases || {})) {
        roomAliases.set(`${body.id} ${cid}`, String(alias))
      }
      if (!mocker.cacheRoomPayload.has(body.id)) {
        mocker.createRoom({
          id: body.id,
          topic: body.topic || body.id,
          memberIdList: members,
          ownerId: body.owner || members[members.length - 1],
          adminIdList: [],
        })
      }
      return { id: body.id }
    }
    case '/say': {
      const talker = contact(body.from)
      const mentions = (body.mentions || []).map(contact)
      const conversation = body.room ? mocker.RoomMock.load(body.room) : contact(BOT_ID)
      const at = Date.now()
      return { id: say(talker, body.text ?? '', mentions, conversation), at }
    }
    case '/image': {
      const talker = contact(body.from)
      const box = FileBox.fromBase64(body.base64, body.name || 'photo.png')
      const conversation = body.room ? mocker.RoomMock.load(body.room) : contact(BOT_ID)
      const at = Date.now()
      return { id: say(talker, box, [], conversation), at }
    }
    case '/logout': {
      await puppet.logout('rig /logout')
      return {}
    }
    case '/shutdown': {
      setTimeout(() => shutdown(0), 10)
      return {}
    }
    default:
      throw Object.assign(new Error(`no route ${method} ${path}`), { status: 404 })
  }
}

function say (talker, something, mentions, conversation) {
  let messageId
  const grab = ({ messageId: id }) => { messageId = id }
  puppet.once('message', grab)
  try {
    talker.say(something, mentions).to(conversation)
  } finally {
    puppet.off('message', grab)
  }
  return messageId
}

const control = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1')
  readBody(req)
    .then(body => handle(req.method, url, body))
    .then(result => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(result))
    })
    .catch(e => {
      res.writeHead(e.status || 400, { 'content-type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify({ error: String(e && e.message ? e.message : e) }))
    })
})

let stopping = false
async function shutdown (code) {
  if (stopping) return
  stopping = true
  const force = setTimeout(() => process.exit(code), 2000)
  force.unref()
  try { control.close() } catch (_) {}
  try { await server.stop() } catch (_) {}
  process.exit(code)
}
process.on('SIGTERM', () => shutdown(0))
process.on('SIGINT', () => shutdown(0))
// the rig talks to us through a pipe: when it goes away, so do we
process.stdin.on('end', () => shutdown(0))
process.stdin.resume()

async function main () {
  await puppet.start() // the account is online before any client connects
  await server.start()
  await new Promise((resolve, reject) => {
    control.once('error', reject)
    control.listen(CONTROL_PORT, '127.0.0.1', resolve)
  })
  process.stdout.write(JSON.stringify({
    event: 'ready',
    grpcPort: GRPC_PORT,
    controlPort: control.address().port,
    botId: BOT_ID,
  }) + '\n')
}

main().catch(e => {
  console.error('server.mjs failed:', e && e.stack ? e.stack : e)
  process.exit(1)
})
