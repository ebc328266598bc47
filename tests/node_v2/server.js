'use strict';
/*
 * A minimal live-chat server on socket.io 2.x (Engine.IO v3), for chat-console's tests.
 *
 * It follows /work/shared/PROTOCOL.md (application-level `authenticate`, the same routing as the
 * Python reference server, kept minimal). It exists so the console's Engine.IO v3 adapter can be
 * driven end to end against the real 2.x generation of the stack, not a simulation of it.
 *
 * Usage:  node server.js [port]        (port 0 or absent = a free port)
 * Environment:
 *   PORT, HOST (default 127.0.0.1), PING_INTERVAL_MS, PING_TIMEOUT_MS, AUTH_TIMEOUT_MS (default 1000)
 *   TRANSPORTS (default "polling,websocket"): e.g. "polling" refuses websockets, as a server
 *   behind a load balancer that does not pass them is started
 * The first stdout line is the bound port number, alone, so a test can read it.
 *
 * Test-only HTTP endpoints (loopback, no auth):
 *   POST /admin/revoke?user=op-1      revoke every token of that user; its sockets receive
 *                                     `unauthenticated` and must authenticate again within the
 *                                     auth timeout or be dropped
 *   POST /admin/token?user=op-1       issue a fresh token for that user -> {"accessToken": "..."}
 *   POST /admin/disconnect?user=op-1  server-side disconnect of that user's sockets
 *   POST /admin/ask?user=op-1         emit `ask` with an ack to that user's first socket and
 *                                     answer with the ack's arguments -> {"answer": [...]}
 *   POST /admin/binary?user=op-1      emit `file` with a binary attachment, then `note` (text),
 *                                     to that user's sockets: over polling, a binary payload
 *   GET  /admin/health                -> {"ok": true, "sockets": <connected socket count>}
 */

const http = require('http');
const crypto = require('crypto');
const url = require('url');
const socketio = require('socket.io');

const TICKET_NEW = 100;
const TICKET_OPEN = 200;
const TICKET_CLOSED = 10000;
const TICKET_STATUSES = new Set([TICKET_NEW, TICKET_OPEN, TICKET_CLOSED]);
const MESSAGE_SENT = 1;
const MESSAGE_READ = 3;
const OPERATORS_ROOM = 'operators';

const users = {
  'op-1': { userId: 'op-1', fullNm: 'Olga Operator', operator: true },
  'op-2': { userId: 'op-2', fullNm: 'Oscar Operator', operator: true },
  'cu-1': { userId: 'cu-1', fullNm: 'Carla Customer', operator: false },
  'cu-2': { userId: 'cu-2', fullNm: 'Chris Customer', operator: false },
};
// token -> userId; revoked tokens are deleted from this table.
const tokens = new Map([
  ['op1-token', 'op-1'],
  ['op2-token', 'op-2'],
  ['cu1-token', 'cu-1'],
  ['cu2-token', 'cu-2'],
]);

const tickets = new Map(); // ticketId -> ticket object (wire form)
const messages = new Map(); // messageId -> message object (wire form)

const intFromEnv = (name, fallback) => {
  const value = parseInt(process.env[name] || '', 10);
  return Number.isFinite(value) ? value : fallback;
};
const port = parseInt(process.argv[2] || process.env.PORT || '0', 10);
const host = process.env.HOST || '127.0.0.1';
const authTimeoutMs = intFromEnv('AUTH_TIMEOUT_MS', 1000);
const transports = (process.env.TRANSPORTS || 'polling,websocket').split(',');

const userRoom = (userId) => `user:${userId}`;
const now = () => new Date().toISOString(); // yyyy-MM-ddTHH:mm:ss.sssZ
const isText = (value) => typeof value === 'string' && value.length > 0;

// Ack with the error first, as PROTOCOL.md says; a missing ack function is not an error.
const reply = (ack, error) => {
  if (typeof ack === 'function') ack(error === undefined ? null : error);
};

// Socket.io calls a handler with whatever the client sent; the ack, if any, is the last argument.
const splitAck = (args) => {
  const last = args[args.length - 1];
  return typeof last === 'function' ? [args.slice(0, -1), last] : [args, undefined];
};

function participates(user, ticket) {
  if (ticket.ownerId === user.userId || ticket.handleById === user.userId) return true;
  // An unhandled ticket belongs to the operators' channel (reading 7).
  return user.operator && !ticket.handleById;
}

function unreadFromCustomer(ticket) {
  for (const message of messages.values()) {
    if (
      message.ticketId === ticket.ticketId &&
      message.senderId === ticket.ownerId &&
      message.statusId < MESSAGE_READ
    ) {
      return true;
    }
  }
  return false;
}

const server = http.createServer((req, res) => {
  const { pathname, query } = url.parse(req.url, true);
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const userId = query.user;
  if (pathname === '/admin/health') {
    return send(200, { ok: true, sockets: Object.keys(io.sockets.sockets).length });
  }
  if (req.method !== 'POST' || !pathname.startsWith('/admin/')) return send(404, { error: 'not found' });
  if (!users[userId]) return send(400, { error: 'unknown user' });
  switch (pathname) {
    case '/admin/revoke':
      return send(200, { revoked: revoke(userId) });
    case '/admin/token': {
      const token = `${userId}-${crypto.randomBytes(8).toString('hex')}`;
      tokens.set(token, userId);
      return send(200, { accessToken: token });
    }
    case '/admin/ask': {
      const [socket] = socketsOf(userId);
      if (!socket) return send(409, { error: 'user not connected' });
      const timer = setTimeout(() => send(504, { error: 'no ack' }), 5000);
      socket.emit('ask', 'are you there?', (...answer) => {
        clearTimeout(timer);
        send(200, { answer });
      });
      return undefined;
    }
    case '/admin/binary': {
      const sockets = socketsOf(userId);
      for (const socket of sockets) {
        socket.emit('file', Buffer.from([0, 1, 2, 255]));
        socket.emit('note', 'after the binary packet ✓ 🎉');
      }
      return send(200, { sent: sockets.length });
    }
    case '/admin/disconnect':
      return send(200, { disconnected: socketsOf(userId).map((s) => s.disconnect(true)).length });
    default:
      return send(404, { error: 'not found' });
  }
});

const io = socketio(server, {
  serveClient: false,
  cookie: false,
  pingInterval: intFromEnv('PING_INTERVAL_MS', 25000),
  pingTimeout: intFromEnv('PING_TIMEOUT_MS', 5000),
  transports,
});

function socketsOf(userId) {
  return Object.values(io.sockets.sockets).filter((s) => s.user && s.user.userId === userId);
}

function requireAuthSoon(socket) {
  clearTimeout(socket.authTimer);
  socket.authTimer = setTimeout(() => {
    if (!socket.user) socket.disconnect(true);
  }, authTimeoutMs);
}

function revoke(userId) {
  for (const [token, owner] of tokens) if (owner === userId) tokens.delete(token);
  const affected = socketsOf(userId);
  for (const socket of affected) {
    socket.user = null;
    socket.leaveAll();
    socket.emit('unauthenticated', { message: 'token revoked' });
    requireAuthSoon(socket);
  }
  return affected.length;
}

io.on('connection', (socket) => {
  socket.user = null;
  requireAuthSoon(socket);

  socket.on('authenticate', (payload) => {
    const userId = payload && tokens.get(payload.accessToken);
    if (!userId) {
      socket.emit('unauthenticated', { message: 'invalid access token' });
      return;
    }
    socket.user = users[userId];
    clearTimeout(socket.authTimer);
    socket.emit('authenticated', true);
  });

  // Every other event needs an authenticated socket; an ack, if any, gets the refusal.
  const on = (event, handler) => {
    socket.on(event, (...raw) => {
      const [args, ack] = splitAck(raw);
      if (!socket.user) return reply(ack, 'not authenticated');
      try {
        return handler(args, ack, socket.user);
      } catch (error) {
        return reply(ack, `server error: ${error.message}`);
      }
    });
  };

  on('subscribe', (_args, _ack, user) => socket.join(userRoom(user.userId)));
  on('unsubscribe', (_args, _ack, user) => socket.leave(userRoom(user.userId)));
  on('subscribeOperator', (_args, _ack, user) => {
    if (user.operator) socket.join(OPERATORS_ROOM);
  });
  on('unsubscribeOperator', () => socket.leave(OPERATORS_ROOM));

  on('createTicket', ([ticketId, ticketObject], ack, user) => {
    if (user.operator) return reply(ack, 'only customers create tickets');
    if (!isText(ticketId)) return reply(ack, 'ticketId is required');
    const existing = tickets.get(ticketId);
    if (existing) return reply(ack, existing.ownerId === user.userId ? null : 'ticketId in use');
    const ticket = Object.assign({}, ticketObject, {
      ticketId,
      statusId: TICKET_NEW,
      createdAt: now(),
      handleById: null,
      handleByNm: null,
      lastResponseAt: '',
      ownerId: user.userId,
      ownerNm: user.fullNm,
      isExternal: false,
    });
    tickets.set(ticketId, ticket);
    io.to(OPERATORS_ROOM).emit('ticketCreated', ticket);
    return reply(ack);
  });

  on('updateMessage', ([ticketId, messageId, messageObject, recipientId], ack, user) => {
    const ticket = tickets.get(ticketId);
    if (!ticket) return reply(ack, 'no such ticket');
    if (!participates(user, ticket)) return reply(ack, 'not your ticket');
    if (ticket.statusId === TICKET_CLOSED) return reply(ack, 'ticket is closed');
    if (!isText(messageId)) return reply(ack, 'messageId is required');
    // Reading 6: a repeated messageId is the same message, acknowledged and not delivered twice.
    if (messages.has(messageId)) return reply(ack);
    const fromCustomer = user.userId === ticket.ownerId;
    const message = Object.assign({}, messageObject, {
      ticketId,
      messageId,
      recipientId: fromCustomer ? ticket.handleById || recipientId || null : ticket.ownerId,
      statusId: MESSAGE_SENT,
      senderId: user.userId,
      senderNm: user.fullNm,
      createdAt: (messageObject && messageObject.createdAt) || now(),
    });
    messages.set(messageId, message);
    if (!fromCustomer) ticket.lastResponseAt = message.createdAt;
    // Reading 7: to the handler once accepted, else to every operator.
    const target = fromCustomer
      ? ticket.handleById
        ? userRoom(ticket.handleById)
        : OPERATORS_ROOM
      : userRoom(ticket.ownerId);
    io.to(target).emit('messageUpdated', message);
    return reply(ack);
  });

  on('updateMessageStatus', ([messageId, status, recipientId, senderId], ack, user) => {
    if (!Number.isInteger(status) || status < 2 || status > MESSAGE_READ) {
      return reply(ack, 'invalid message status');
    }
    const mine = (m) => {
      const ticket = tickets.get(m.ticketId);
      return m.senderId !== user.userId && ticket && participates(user, ticket);
    };
    const changed =
      messageId === 'all'
        ? [...messages.values()].filter((m) => m.senderId === senderId && mine(m))
        : [messages.get(messageId)].filter(Boolean);
    if (messageId !== 'all' && changed.length === 0) return reply(ack, 'no such message');
    if (messageId !== 'all' && !mine(changed[0])) return reply(ack, 'not your message');
    const touched = new Set();
    // Reading 5: one messageStatusUpdated per message that changed.
    for (const message of changed.filter((m) => m.statusId < status)) {
      message.statusId = status;
      io.to(userRoom(message.senderId)).emit('messageStatusUpdated', message.messageId, status);
      touched.add(message.ticketId);
    }
    for (const ticketId of touched) {
      const ticket = tickets.get(ticketId);
      if (status === MESSAGE_READ && user.operator && !unreadFromCustomer(ticket)) {
        io.to(OPERATORS_ROOM).emit('ticketResponded', ticketId);
      }
    }
    return reply(ack);
  });

  on('acceptTicket', ([ticketId], ack, user) => {
    if (!user.operator) return reply(ack, 'only operators accept tickets');
    const ticket = tickets.get(ticketId);
    if (!ticket) return reply(ack, 'no such ticket');
    // Reading 9: a ticket another operator handles cannot be accepted.
    if (ticket.handleById && ticket.handleById !== user.userId) {
      return reply(ack, 'ticket is already handled by another operator');
    }
    Object.assign(ticket, { statusId: TICKET_OPEN, handleById: user.userId, handleByNm: user.fullNm });
    // Reading 8: to the owner and to the operators' channel.
    io.to(userRoom(ticket.ownerId)).to(OPERATORS_ROOM).emit('ticketAccepted', ticket);
    return reply(ack);
  });

  on('updateTicketStatus', ([ticketId, _ticketObject, status], ack, user) => {
    const ticket = tickets.get(ticketId);
    if (!ticket) return reply(ack, 'no such ticket');
    if (ticket.handleById !== user.userId && ticket.ownerId !== user.userId) {
      return reply(ack, 'not your ticket');
    }
    if (!TICKET_STATUSES.has(status)) return reply(ack, 'invalid ticket status');
    ticket.statusId = status;
    io.to(userRoom(ticket.ownerId)).to(OPERATORS_ROOM).emit('ticketStatusUpdated', ticketId, status);
    return reply(ack);
  });

  on('typing', ([ticketId, recipientId], _ack, user) => {
    const ticket = tickets.get(ticketId);
    if (!ticket || !participates(user, ticket)) return undefined;
    const other = user.userId === ticket.ownerId ? ticket.handleById : ticket.ownerId;
    if (other && other === recipientId) {
      io.to(userRoom(other)).emit('typing', ticketId, user.fullNm);
    }
    return undefined;
  });

  on('assignTicket', ([assign], ack, user) => {
    if (!user.operator) return reply(ack, 'only operators assign tickets');
    const ticket = assign && tickets.get(assign.ticketId);
    if (!ticket) return reply(ack, 'no such ticket');
    const targetId = assign.handleById == null ? user.userId : assign.handleById;
    const target = users[targetId];
    if (!target || !target.operator) return reply(ack, 'no such operator');
    const previous = ticket.handleById;
    if (previous === targetId) return reply(ack);
    Object.assign(ticket, { statusId: TICKET_OPEN, handleById: targetId, handleByNm: target.fullNm });
    if (previous) io.to(userRoom(previous)).emit('notifyOfAssignment', ticket.ticketId, 0, ticket.displayNm);
    if (targetId !== user.userId) {
      io.to(userRoom(targetId)).emit('notifyOfAssignment', ticket.ticketId, 1, ticket.displayNm);
    }
    return reply(ack);
  });

  socket.on('disconnect', () => clearTimeout(socket.authTimer));
});

server.listen(port, host, () => {
  process.stdout.write(`${server.address().port}\n`);
});

// A test harness ends us with SIGTERM; exit at once rather than waiting on open sockets.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
