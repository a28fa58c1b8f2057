/** TicketAPI — reimplements func_source_code/ticket_api.py. */

import { pyCompare, pyEqual, reqStr, type PyDict } from '../pyrepr';
import { SimApi, cfg, truthy } from './base';

function err(msg: string): PyDict {
  return new Map([['error', msg]]);
}

export class TicketAPI extends SimApi {
  readonly className = 'TicketAPI';
  private ticketQueue: PyDict[] = [];
  private ticketCounter: unknown = 1;
  private currentUser: unknown = null;

  constructor() {
    super();
    this.def("create_ticket(title, description='', priority=1)", (x) => {
      if (!truthy(this.currentUser)) return err('User not authenticated. Please log in to create a ticket.');
      if (pyCompare(x.priority, '<', 1) || pyCompare(x.priority, '>', 5)) return err('Invalid priority. Priority must be between 1 and 5.');
      const ticket: PyDict = new Map<string, unknown>([
        ['id', this.ticketCounter],
        ['title', x.title],
        ['description', x.description],
        ['status', 'Open'],
        ['priority', x.priority],
        ['created_by', this.currentUser],
      ]);
      this.ticketQueue.push(ticket);
      this.ticketCounter = (this.ticketCounter as number) + 1;
      return ticket;
    });
    this.def('get_ticket(ticket_id)', (x) => this.find(x.ticket_id) ?? err(`Ticket with ID ${x.ticket_id} not found.`));
    this.def('close_ticket(ticket_id)', (x) => {
      const t = this.find(x.ticket_id);
      if (!t) return err(`Ticket with ID ${x.ticket_id} not found.`);
      if (t.get('status') === 'Closed') return err(`Ticket with ID ${x.ticket_id} is already closed.`);
      t.set('status', 'Closed');
      return new Map([['status', `Ticket ${x.ticket_id} has been closed successfully.`]]);
    });
    this.def('resolve_ticket(ticket_id, resolution)', (x) => {
      const t = this.find(x.ticket_id);
      if (!t) return err(`Ticket with ID ${x.ticket_id} not found.`);
      if (t.get('status') === 'Resolved') return err(`Ticket with ID ${x.ticket_id} is already resolved.`);
      t.set('status', 'Resolved');
      t.set('resolution', x.resolution);
      return new Map([['status', `Ticket ${x.ticket_id} has been resolved successfully.`]]);
    });
    this.def('edit_ticket(ticket_id, updates)', (x) => {
      const t = this.find(x.ticket_id);
      if (!t) return err(`Ticket with ID ${x.ticket_id} not found.`);
      const updates = x.updates instanceof Map ? (x.updates as PyDict) : new Map();
      const valid = new Set(['title', 'description', 'status', 'priority']);
      // set(updates.keys()) - valid_fields: set iteration order is unspecified in Python; keys in insertion order here
      const invalid = [...updates.keys()].filter((k) => !valid.has(k as string));
      if (invalid.length > 0) return err(`Invalid fields for update: ${invalid.join(', ')}`);
      for (const [k, v] of updates) if (v !== null) t.set(k as string, v);
      return new Map([['status', `Ticket ${x.ticket_id} has been updated successfully.`]]);
    });
    this.def('ticket_login(username, password)', (x) => {
      if (truthy(x.username) && truthy(x.password)) {
        this.currentUser = x.username;
        return new Map([['success', true]]);
      }
      return new Map([['success', false]]);
    });
    this.def('ticket_get_login_status()', () => new Map([['login_status', truthy(this.currentUser)]]));
    this.def('logout()', () => {
      if (truthy(this.currentUser)) {
        this.currentUser = null;
        return new Map([['success', true]]);
      }
      return new Map([['success', false]]);
    });
    this.def('get_user_tickets(status=None)', (x) => {
      if (!truthy(this.currentUser)) return [err('User not authenticated. Please log in to view tickets.')];
      let tickets = this.ticketQueue.filter((t) => pyEqual(t.get('created_by'), this.currentUser));
      if (truthy(x.status)) {
        const s = reqStr(x.status, 'lower').toLowerCase();
        tickets = tickets.filter((t) => reqStr(t.get('status'), 'lower').toLowerCase() === s);
      }
      return tickets;
    });
  }

  private find(id: unknown): PyDict | null {
    for (const t of this.ticketQueue) if (pyEqual(t.get('id'), id)) return t;
    return null;
  }

  load(config: PyDict): void {
    this.ticketQueue = cfg(config, 'ticket_queue', []);
    this.ticketCounter = cfg(config, 'ticket_counter', 1);
    this.currentUser = cfg(config, 'current_user', null);
  }

  state(): [string, unknown][] {
    return [
      ['ticket_queue', this.ticketQueue],
      ['ticket_counter', this.ticketCounter],
      ['current_user', this.currentUser],
    ];
  }
}
