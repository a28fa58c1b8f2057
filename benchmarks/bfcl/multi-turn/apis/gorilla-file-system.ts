/** GorillaFileSystem — reimplements func_source_code/gorilla_file_system.py. */

import { PyException, PyFloat, pyTypeName, strRepr, type PyDict } from '../pyrepr';
import { SimApi, truthy, type Args } from './base';
import { FILES_TAIL_USED, filler } from './filler';

export class PyFile {
  constructor(
    public name: string,
    public content: string = '',
  ) {}
  pyEquals(o: unknown): boolean {
    return o instanceof PyFile && this.name === o.name && this.content === o.content;
  }
  pyRepr(): string {
    return `<<File: ${this.name}, Content: ${this.content}>>`;
  }
  toPlain(): unknown {
    return { file: this.name, content: this.content.length > 200 ? this.content.slice(0, 200) + '…' : this.content };
  }
}

export class PyDirectory {
  contents = new Map<string, PyFile | PyDirectory>();
  constructor(
    public name: string,
    public parent: PyDirectory | null,
  ) {}
  addFile(name: string, content = ''): void {
    if (this.contents.has(name)) throw new PyException('ValueError', `File '${name}' already exists in directory '${this.name}'.`);
    this.contents.set(name, new PyFile(name, content));
  }
  addDirectory(name: string): void {
    if (this.contents.has(name)) throw new PyException('ValueError', `Directory '${name}' already exists in directory '${this.name}'.`);
    this.contents.set(name, new PyDirectory(name, this));
  }
  getItem(name: string): PyFile | PyDirectory | undefined {
    if (name === '.') return this;
    return this.contents.get(name);
  }
  pyEquals(o: unknown): boolean {
    if (!(o instanceof PyDirectory) || this.name !== o.name || this.contents.size !== o.contents.size) return false;
    for (const [k, v] of this.contents) {
      const w = o.contents.get(k);
      if (w === undefined || !v.pyEquals(w)) return false;
    }
    return true;
  }
  pyRepr(): string {
    const inner = [...this.contents.entries()].map(([k, v]) => `${strRepr(k)}: ${v.pyRepr()}`).join(', ');
    return `<Directory: ${this.name}, Parent: ${this.parent ? this.parent.name : 'None'}, Contents: {${inner}}>`;
  }
  toPlain(depth = 0): unknown {
    const o: Record<string, unknown> = {};
    for (const [k, v] of this.contents) o[k] = depth > 10 ? '…' : v instanceof PyDirectory ? v.toPlain(depth + 1) : v.toPlain();
    return { dir: this.name, contents: o };
  }
}

/** Python str.splitlines(). */
export function splitlines(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\r' && s[i + 1] === '\n') {
      out.push(cur);
      cur = '';
      i++;
    } else if ('\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029'.includes(c)) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** Python sorted() on str: code-point order. */
export function pySortStrings(xs: string[]): string[] {
  return [...xs].sort((a, b) => {
    const A = [...a];
    const B = [...b];
    for (let i = 0; i < Math.min(A.length, B.length); i++) {
      const d = A[i]!.codePointAt(0)! - B[i]!.codePointAt(0)!;
      if (d !== 0) return d;
    }
    return A.length - B.length;
  });
}

function pyRstrip(s: string, chars: string): string {
  let e = s.length;
  while (e > 0 && chars.includes(s[e - 1]!)) e--;
  return s.slice(0, e);
}

function pyStrip(s: string, chars: string): string {
  let a = 0;
  while (a < s.length && chars.includes(s[a]!)) a++;
  return pyRstrip(s.slice(a), chars);
}

function str(v: unknown, method: string): string {
  if (typeof v !== 'string') throw new PyException('AttributeError', `'${pyTypeName(v)}' object has no attribute '${method}'`);
  return v;
}

function has(dir: PyDirectory, key: unknown): boolean {
  return typeof key === 'string' && dir.contents.has(key);
}

/** Python list slice xs[start:] with a possibly negative start. */
function sliceFrom<T>(xs: T[], start: number): T[] {
  return xs.slice(start < 0 ? Math.max(0, xs.length + start) : start);
}

export class GorillaFileSystem extends SimApi {
  readonly className = 'GorillaFileSystem';
  private longContext = false;
  private root = new PyDirectory('/', null);
  private currentDir: PyDirectory = this.root;

  constructor() {
    super();
    this.def('pwd()', () => this.pwd());
    this.def('ls(a=False)', (x) => this.ls(x));
    this.def('cd(folder)', (x) => this.cd(x));
    this.def('mkdir(dir_name)', (x) => this.mkdir(x));
    this.def('touch(file_name)', (x) => this.touch(x));
    this.def('echo(content, file_name=None)', (x) => this.echo(x));
    this.def('cat(file_name)', (x) => this.cat(x));
    this.def("find(path='.', name=None)", (x) => this.find(x));
    this.def("wc(file_name, mode='l')", (x) => this.wc(x));
    this.def('sort(file_name)', (x) => this.sort(x));
    this.def('grep(file_name, pattern)', (x) => this.grep(x));
    this.def('du(human_readable=False)', (x) => this.du(x));
    this.def('tail(file_name, lines=10)', (x) => this.tail(x));
    this.def('diff(file_name1, file_name2)', (x) => this.diff(x));
    this.def('mv(source, destination)', (x) => this.mv(x));
    this.def('rm(file_name)', (x) => this.rm(x));
    this.def('rmdir(dir_name)', (x) => this.rmdir(x));
    this.def('cp(source, destination)', (x) => this.cp(x));
  }

  load(config: PyDict, longContext: boolean): void {
    this.longContext = longContext;
    this.root = new PyDirectory('/', null);
    const root = config.get('root');
    if (root instanceof Map && root.size > 0) {
      const [rootName, rootData] = [...root.entries()][0]!;
      const dir = new PyDirectory(String(rootName), null);
      this.root = this.loadDirectory((rootData as PyDict).get('contents') as PyDict, dir);
    }
    this.currentDir = this.root;
  }

  private loadDirectory(current: PyDict, parent: PyDirectory): PyDirectory {
    let bottommost = true;
    for (const [name, data] of current) {
      const d = data as PyDict;
      if (d.get('type') === 'directory') {
        bottommost = false;
        const sub = this.loadDirectory(d.get('contents') as PyDict, new PyDirectory(String(name), parent));
        parent.contents.set(String(name), sub);
      } else if (d.get('type') === 'file') {
        let content = d.get('content') as string;
        if (this.longContext && !FILES_TAIL_USED.includes(String(name))) content += filler().FILE_CONTENT_EXTENSION;
        parent.contents.set(String(name), new PyFile(String(name), content));
      }
    }
    if (bottommost && this.longContext) for (const f of filler().POPULATE_FILE_EXTENSION) parent.addFile(f);
    return parent;
  }

  state(): [string, unknown][] {
    return [
      ['long_context', this.longContext],
      ['root', this.root],
    ];
  }

  private validName(name: unknown): boolean {
    if (typeof name !== 'string') throw new PyException('TypeError', `argument of type '${pyTypeName(name)}' is not iterable`);
    return ![...'|/\\?%*:"><'].some((c) => name.includes(c));
  }

  private navigate(path: string | null): PyDirectory | PyDict {
    if (path === null || path === '.') return this.currentDir;
    if (path === '/') return this.root;
    const dirs = pyStrip(path, '/').split('/');
    let temp = path.startsWith('/') ? this.root : this.currentDir;
    for (const name of dirs) {
      const next = temp.getItem(name);
      if (next instanceof PyDirectory) temp = next;
      else return new Map([['error', `cd: '${path}': No such file or directory`]]);
    }
    return temp;
  }

  private pwd(): unknown {
    const path: string[] = [];
    let dir: PyDirectory | null = this.currentDir;
    // The reference compares dir.name with the root Directory object (never equal), so the root's name is included.
    while (dir !== null) {
      path.push(dir.name);
      dir = dir.parent;
    }
    return new Map([['current_working_directory', '/' + path.reverse().join('/')]]);
  }

  private ls(x: Args): unknown {
    let contents = [...this.currentDir.contents.keys()];
    if (!truthy(x.a)) contents = contents.filter((c) => !c.startsWith('.'));
    return new Map([['current_directory_content', contents]]);
  }

  private cd(x: Args): unknown {
    let folder = pyRstrip(str(x.folder, 'rstrip'), '/');
    if (folder === '') folder = '/';
    if (!['.', '..', '/'].includes(folder) && folder.includes('/')) {
      return new Map([['error', `cd: ${folder}: Unsupported path. Only one folder level at a time is supported.`]]);
    }
    if (folder === '..') {
      if (this.currentDir.parent) this.currentDir = this.currentDir.parent;
      else if (this.root === this.currentDir) return new Map([['error', 'Cuurent directory is already the root. Cannot go back.']]);
      else return new Map([['error', 'cd: ..: No such directory']]);
      return new Map();
    }
    const target = this.navigate(folder);
    if (target instanceof Map) return new Map([['error', `cd: ${folder}: No such directory. You cannot use path to change directory.`]]);
    this.currentDir = target;
    return new Map([['current_working_directory', target.name]]);
  }

  private mkdir(x: Args): unknown {
    const name = x.dir_name;
    if (!this.validName(name)) return new Map([['error', `mkdir: cannot create directory '${name}': Invalid character`]]);
    if (has(this.currentDir, name)) return new Map([['error', `mkdir: cannot create directory '${name}': File exists`]]);
    this.currentDir.addDirectory(name as string);
    return null;
  }

  private touch(x: Args): unknown {
    const name = x.file_name;
    if (!this.validName(name)) return new Map([['error', `touch: cannot touch '${name}': Invalid character`]]);
    if (has(this.currentDir, name)) return new Map([['error', `touch: cannot touch '${name}': File exists`]]);
    this.currentDir.addFile(name as string);
    return null;
  }

  private echo(x: Args): unknown {
    const name = x.file_name;
    if (name === null) return new Map([['terminal_output', x.content]]);
    if (!this.validName(name)) return new Map([['error', `echo: cannot touch '${name}': Invalid character`]]);
    if (truthy(name)) {
      if (has(this.currentDir, name)) {
        const item = this.currentDir.getItem(name as string)!;
        if (!(item instanceof PyFile)) throw new PyException('AttributeError', "'Directory' object has no attribute '_write'");
        item.content = x.content as string;
        return null;
      }
      return new Map([['error', `echo: cannot write to '${name}': No such file`]]);
    }
    return new Map([['terminal_output', x.content]]);
  }

  private cat(x: Args): unknown {
    const name = x.file_name;
    if (!this.validName(name)) return new Map([['error', `cat: '${name}': Invalid character`]]);
    if (has(this.currentDir, name)) {
      const item = this.currentDir.getItem(name as string)!;
      if (item instanceof PyFile) return new Map([['file_content', item.content]]);
      return new Map([['error', `cat: ${name}: Is a directory`]]);
    }
    return new Map([['error', `cat: ${name}: No such file or directory`]]);
  }

  private find(x: Args): unknown {
    const name = x.name;
    const path = str(x.path, 'rstrip');
    const matches: string[] = [];
    const walk = (dir: PyDirectory, base: string) => {
      for (const [itemName, item] of dir.contents) {
        const itemPath = `${base}/${itemName}`;
        if (name === null) matches.push(itemPath);
        else {
          if (typeof name !== 'string') throw new PyException('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(name)}`);
          if (itemName.includes(name)) matches.push(itemPath);
        }
        if (item instanceof PyDirectory) walk(item, itemPath);
      }
    };
    walk(this.currentDir, pyRstrip(path, '/'));
    return new Map([['matches', matches]]);
  }

  private fileAt(name: unknown): PyFile | null {
    if (!has(this.currentDir, name)) return null;
    const item = this.currentDir.getItem(name as string);
    return item instanceof PyFile ? item : null;
  }

  private wc(x: Args): unknown {
    const mode = x.mode;
    if (!['l', 'w', 'c'].includes(mode as string)) return new Map([['error', `wc: invalid mode '${mode}'`]]);
    const f = this.fileAt(x.file_name);
    if (f) {
      if (mode === 'l') return new Map<string, unknown>([['count', splitlines(f.content).length], ['type', 'lines']]);
      if (mode === 'w') return new Map<string, unknown>([['count', f.content.split(/[\s\x1c-\x1f\x85]+/u).filter((w) => w !== '').length], ['type', 'words']]);
      return new Map<string, unknown>([['count', [...f.content].length], ['type', 'characters']]);
    }
    return new Map([['error', `wc: ${x.file_name}: No such file or directory`]]);
  }

  private sort(x: Args): unknown {
    const f = this.fileAt(x.file_name);
    if (f) return new Map([['sorted_content', pySortStrings(splitlines(f.content)).join('\n')]]);
    return new Map([['error', `sort: ${x.file_name}: No such file or directory`]]);
  }

  private grep(x: Args): unknown {
    const f = this.fileAt(x.file_name);
    if (f) {
      const pattern = x.pattern;
      if (typeof pattern !== 'string') throw new PyException('TypeError', `'in <string>' requires string as left operand, not ${pyTypeName(pattern)}`);
      return new Map([['matching_lines', splitlines(f.content).filter((l) => l.includes(pattern))]]);
    }
    return new Map([['error', `grep: ${x.file_name}: No such file or directory`]]);
  }

  private du(x: Args): unknown {
    const size = (item: PyFile | PyDirectory): number => (item instanceof PyFile ? Buffer.byteLength(item.content, 'utf8') : [...item.contents.values()].reduce((s, c) => s + size(c), 0));
    let total = size(this.currentDir);
    let out: string;
    if (truthy(x.human_readable)) {
      out = '';
      for (const unit of ['B', 'KB', 'MB', 'GB', 'TB']) {
        if (total < 1024) {
          out = `${total.toFixed(2)} ${unit}`;
          break;
        }
        total /= 1024;
      }
      if (!out) out = `${total.toFixed(2)} PB`;
    } else out = `${total} bytes`;
    return new Map([['disk_usage', out]]);
  }

  private tail(x: Args): unknown {
    const f = this.fileAt(x.file_name);
    if (f) {
      const content = splitlines(f.content);
      const raw: unknown = x.lines;
      if (typeof raw !== 'number' || !Number.isInteger(raw)) {
        if (raw instanceof PyFloat || typeof raw === 'number') throw new PyException('TypeError', 'slice indices must be integers or None or have an __index__ method');
        throw new PyException('TypeError', `'>' not supported between instances of '${pyTypeName(raw)}' and 'int'`);
      }
      let lines = raw;
      if (lines > content.length) lines = content.length;
      return new Map([['last_lines', sliceFrom(content, -lines).join('\n')]]);
    }
    return new Map([['error', `tail: ${x.file_name}: No such file or directory`]]);
  }

  private diff(x: Args): unknown {
    const a = x.file_name1;
    const b = x.file_name2;
    if (has(this.currentDir, a) && has(this.currentDir, b)) {
      const f1 = this.currentDir.getItem(a as string);
      const f2 = this.currentDir.getItem(b as string);
      if (f1 instanceof PyFile && f2 instanceof PyFile) {
        const c1 = splitlines(f1.content);
        const c2 = splitlines(f2.content);
        const out: string[] = [];
        for (let i = 0; i < Math.min(c1.length, c2.length); i++) if (c1[i] !== c2[i]) out.push(`- ${c1[i]}\n+ ${c2[i]}`);
        return new Map([['diff_lines', out.join('\n')]]);
      }
    }
    return new Map([['error', `diff: ${a} or ${b}: No such file or directory`]]);
  }

  private mv(x: Args): unknown {
    const source = x.source;
    const dest = x.destination;
    if (!has(this.currentDir, source)) return new Map([['error', `mv: cannot move '${source}': No such file or directory`]]);
    const src = source as string;
    const item = this.currentDir.getItem(src)!;
    if (str(dest, '__contains__').includes('/')) return new Map([['error', 'mv: no path allowed in destination. Only file name and folder name is supported for this operation.']]);
    const dst = dest as string;
    if (this.currentDir.contents.has(dst)) {
      const target = this.currentDir.getItem(dst);
      if (target instanceof PyDirectory) {
        if (target.contents.has(src)) return new Map([['error', `mv: cannot move '${src}' to '${dst}/${src}': File exists`]]);
        this.currentDir.contents.delete(src);
        if (item instanceof PyFile) target.addFile(src, item.content);
        else {
          target.addDirectory(src);
          (target.contents.get(src) as PyDirectory).contents = item.contents;
        }
        return new Map([['result', `'${src}' moved to '${dst}/${src}'`]]);
      }
      return new Map([['error', `mv: cannot move '${src}' to '${dst}': Not a directory`]]);
    }
    this.currentDir.contents.delete(src);
    if (item instanceof PyFile) this.currentDir.addFile(dst, item.content);
    else {
      this.currentDir.addDirectory(dst);
      (this.currentDir.contents.get(dst) as PyDirectory).contents = item.contents;
    }
    return new Map([['result', `'${src}' moved to '${dst}'`]]);
  }

  private rm(x: Args): unknown {
    const name = x.file_name;
    if (has(this.currentDir, name)) {
      this.currentDir.contents.delete(name as string);
      return new Map([['result', `'${name}' removed`]]);
    }
    return new Map([['error', `rm: cannot remove '${name}': No such file or directory`]]);
  }

  private rmdir(x: Args): unknown {
    const name = x.dir_name;
    if (has(this.currentDir, name)) {
      const item = this.currentDir.getItem(name as string);
      if (item instanceof PyDirectory) {
        if (item.contents.size > 0) return new Map([['error', `rmdir: failed to remove '${name}': Directory not empty`]]);
        this.currentDir.contents.delete(name as string);
        return new Map([['result', `'${name}' removed`]]);
      }
      return new Map([['error', `rmdir: cannot remove '${name}': Not a directory`]]);
    }
    return new Map([['error', `rmdir: cannot remove '${name}': No such file or directory`]]);
  }

  private cp(x: Args): unknown {
    const source = x.source;
    const dest = x.destination;
    if (!has(this.currentDir, source)) return new Map([['error', `cp: cannot copy '${source}': No such file or directory`]]);
    const src = source as string;
    const item = this.currentDir.getItem(src)!;
    if (str(dest, '__contains__').includes('/')) return new Map([['error', "cp: don't allow path in destination. Only file name and folder name is supported for this operation."]]);
    const dst = dest as string;
    if (this.currentDir.contents.has(dst)) {
      const target = this.currentDir.getItem(dst);
      if (target instanceof PyDirectory) {
        // The reference checks for "<dst>/<src>" among the target's names (never present); adding an
        // existing name then raises ValueError from _add_file/_add_directory.
        if (item instanceof PyFile) target.addFile(src, item.content);
        else {
          target.addDirectory(src);
          (target.contents.get(src) as PyDirectory).contents = new Map(item.contents);
        }
        return new Map([['result', `'${src}' copied to '${dst}/${src}'`]]);
      }
      return new Map([['error', `cp: cannot copy '${src}' to '${dst}': Not a directory`]]);
    }
    if (item instanceof PyFile) this.currentDir.addFile(dst, item.content);
    else {
      this.currentDir.addDirectory(dst);
      (this.currentDir.contents.get(dst) as PyDirectory).contents = new Map(item.contents);
    }
    return new Map([['result', `'${src}' copied to '${dst}'`]]);
  }
}

