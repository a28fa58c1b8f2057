/** MessageAPI — reimplements func_source_code/message_api.py. */

import { PythonRandom } from '../../../families/python/random';
import { PyException, pyIn, reqStr, toPy, type PyDict } from '../pyrepr';
import { SimApi, cfg, truthy } from './base';

const DEFAULT_STATE = {
  user_count: 4,
  user_map: { Alice: 'USR001', Bob: 'USR002', Catherine: 'USR003', Daniel: 'USR004' },
  inbox: [{ USR002: 'My name is Alice. I want to connect.' }, { USR003: 'Could you upload the file?' }, { USR004: 'Could you upload the file?' }],
  message_count: 3,
  current_user: null,
};

function err(msg: string): PyDict {
  return new Map([['error', msg]]);
}

export class MessageAPI extends SimApi {
  readonly className = 'MessageAPI';
  private random = new PythonRandom(200191);
  private generatedIds = new Set<unknown>();
  private userCount: unknown = 4;
  private userMap: PyDict = new Map();
  private inbox: PyDict[] = [];
  private messageCount: unknown = 3;
  private currentUser: unknown = null;

  constructor() {
    super();
    this.def('list_users()', () => new Map([['user_list', [...this.userMap.keys()]]]));
    this.def('get_user_id(user)', (x) => {
      if (!pyIn(x.user, this.userMap)) return err(`User '${x.user}' not found in the workspace.`);
      return new Map([['user_id', this.userMap.get(x.user as string)]]);
    });
    this.def('message_login(user_id)', (x) => {
      if (![...this.userMap.values()].includes(x.user_id)) return new Map<string, unknown>([['login_status', false], ['message', `User ID '${x.user_id}' not found.`]]);
      this.currentUser = x.user_id;
      return new Map<string, unknown>([['login_status', true], ['message', `User '${x.user_id}' logged in successfully.`]]);
    });
    this.def('message_get_login_status()', () => new Map([['login_status', truthy(this.currentUser)]]));
    this.def('send_message(receiver_id, message)', (x) => {
      if (!truthy(this.currentUser)) return err('No user is currently logged in.');
      if (![...this.userMap.values()].includes(x.receiver_id)) return err(`Receiver ID '${x.receiver_id}' not found.`);
      const id = this.generateId();
      this.inbox.push(new Map([[x.receiver_id as string, x.message]]));
      this.messageCount = (this.messageCount as number) + 1;
      return new Map<string, unknown>([['sent_status', true], ['message_id', id], ['message', `Message sent to '${x.receiver_id}' successfully.`]]);
    });
    this.def('delete_message(receiver_id)', (x) => {
      if (!truthy(this.currentUser)) return err('No user is currently logged in.');
      for (let i = this.inbox.length - 1; i >= 0; i--) {
        const msg = this.inbox[i]!;
        const receiver = [...msg.keys()][0];
        if (receiver === x.receiver_id) {
          // list.remove removes the first equal element
          const idx = this.inbox.findIndex((m) => [...m.keys()][0] === receiver && m.get(receiver) === msg.get(receiver));
          this.inbox.splice(idx, 1);
          return new Map<string, unknown>([['deleted_status', true], ['receiver_id', receiver], ['message', `Receiver ${x.receiver_id}'s latest message deleted successfully.`]]);
        }
      }
      return err(`Receiver ID ${x.receiver_id} not found.`);
    });
    this.def('view_messages_sent()', () => {
      if (!truthy(this.currentUser)) return err('No user is currently logged in.');
      const sent: PyDict = new Map();
      for (const msg of this.inbox) {
        const [receiver, content] = [...msg.entries()][0]!;
        if (!sent.has(receiver)) sent.set(receiver, [content]);
        else (sent.get(receiver) as unknown[]).push(content);
      }
      return new Map([['messages', sent]]);
    });
    this.def('add_contact(user_name)', (x) => {
      if (pyIn(x.user_name, this.userMap)) return err(`User name '${x.user_name}' already exists.`);
      this.userCount = (this.userCount as number) + 1;
      const userId = `USR${String(this.userCount).padStart(3, '0')}`;
      if ([...this.userMap.values()].includes(userId)) return err(`User ID '${userId}' already exists.`);
      this.userMap.set(x.user_name as string, userId);
      return new Map<string, unknown>([['added_status', true], ['user_id', userId], ['message', `Contact '${x.user_name}' added successfully.`]]);
    });
    this.def('search_messages(keyword)', (x) => {
      if (!truthy(this.currentUser)) return err('No user is currently logged in.');
      const kw = reqStr(x.keyword, 'lower').toLowerCase();
      const results: PyDict[] = [];
      for (const msg of this.inbox) {
        const [receiver, content] = [...msg.entries()][0]!;
        if (reqStr(content, 'lower').toLowerCase().includes(kw)) results.push(new Map([['receiver_id', receiver], ['message', content]]));
      }
      return new Map([['results', results]]);
    });
    this.def('get_message_stats()', () => {
      if (!truthy(this.currentUser)) return err('No user is currently logged in.');
      const contacts = new Set(this.inbox.map((m) => [...m.keys()][0]));
      return new Map([['stats', new Map([['received_count', this.inbox.length], ['total_contacts', contacts.size]])]]);
    });
  }

  private generateId(): PyDict {
    let id = 10000 + this.random.randbelow(90000);
    while (this.generatedIds.has(id)) id = 10000 + this.random.randbelow(90000);
    this.generatedIds.add(id);
    return new Map([['new_id', id]]);
  }

  load(config: PyDict): void {
    const d = toPy(DEFAULT_STATE) as PyDict;
    const seed = cfg(config, 'random_seed', 200191);
    if (typeof seed !== 'number') throw new PyException('TypeError', 'random_seed must be an integer');
    this.random = new PythonRandom(seed);
    const gen = cfg<unknown>(config, 'generated_ids', null);
    this.generatedIds = new Set(Array.isArray(gen) ? gen : []);
    this.userCount = cfg(config, 'user_count', d.get('user_count'));
    this.userMap = cfg(config, 'user_map', d.get('user_map') as PyDict);
    this.inbox = cfg(config, 'inbox', d.get('inbox') as PyDict[]);
    this.messageCount = cfg(config, 'message_count', d.get('message_count'));
    this.currentUser = cfg(config, 'current_user', d.get('current_user'));
  }

  state(): [string, unknown][] {
    return [
      ['generated_ids', this.generatedIds],
      ['user_count', this.userCount],
      ['user_map', this.userMap],
      ['inbox', this.inbox],
      ['message_count', this.messageCount],
      ['current_user', this.currentUser],
    ];
  }
}
