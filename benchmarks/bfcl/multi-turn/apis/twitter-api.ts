/** TwitterAPI — reimplements func_source_code/posting_api.py. */

import { PyException, pyIn, pyTypeName, reqStr, type PyDict } from '../pyrepr';
import { SimApi, cfg, truthy } from './base';

function err(msg: string): PyDict {
  return new Map([['error', msg]]);
}

/** Python dict key lookup where the key's type matters (tweets have int keys). */
function key(v: unknown): string | number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (Array.isArray(v) || v instanceof Map) throw new PyException('TypeError', `unhashable type: '${pyTypeName(v)}'`);
  return String(v);
}

export class TwitterAPI extends SimApi {
  readonly className = 'TwitterAPI';
  private username: unknown = 'john';
  private password: unknown = 'john123';
  private authenticated: unknown = false;
  private tweets: PyDict = new Map();
  private comments: PyDict = new Map();
  private retweets: PyDict = new Map();
  private followingList: unknown[] = ['alice', 'bob'];
  private tweetCounter: unknown = 0;

  constructor() {
    super();
    this.def('authenticate_twitter(username, password)', (x) => {
      if (x.username === this.username && x.password === this.password) {
        this.authenticated = true;
        return new Map([['authentication_status', true]]);
      }
      return new Map([['authentication_status', false]]);
    });
    this.def('posting_get_login_status()', () => new Map([['login_status', truthy(this.authenticated)]]));
    this.def('post_tweet(content, tags=[], mentions=[])', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please authenticate before posting.');
      const tweet: PyDict = new Map<string, unknown>([
        ['id', this.tweetCounter],
        ['username', this.username],
        ['content', x.content],
        ['tags', x.tags],
        ['mentions', x.mentions],
      ]);
      this.tweets.set(key(this.tweetCounter), tweet);
      this.tweetCounter = (this.tweetCounter as number) + 1;
      return tweet;
    });
    this.def('retweet(tweet_id)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please authenticate before retweeting.');
      if (!this.tweets.has(key(x.tweet_id))) return err(`Tweet with ID ${x.tweet_id} not found.`);
      const user = key(this.username);
      if (!this.retweets.has(user)) this.retweets.set(user, []);
      const list = this.retweets.get(user) as unknown[];
      if (pyIn(x.tweet_id, list)) return new Map([['retweet_status', 'Already retweeted']]);
      list.push(x.tweet_id);
      return new Map([['retweet_status', 'Successfully retweeted']]);
    });
    this.def('comment(tweet_id, comment_content)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please authenticate before commenting.');
      const k = key(x.tweet_id);
      if (!this.tweets.has(k)) return err(`Tweet with ID ${x.tweet_id} not found.`);
      if (!this.comments.has(k)) this.comments.set(k, []);
      (this.comments.get(k) as unknown[]).push(new Map([['username', this.username], ['content', x.comment_content]]));
      return new Map([['comment_status', 'Comment added successfully']]);
    });
    this.def('mention(tweet_id, mentioned_usernames)', (x) => {
      const k = key(x.tweet_id);
      if (!this.tweets.has(k)) return err(`Tweet with ID ${x.tweet_id} not found.`);
      const tweet = this.tweets.get(k) as PyDict;
      const mentions = tweet.get('mentions');
      if (!Array.isArray(mentions)) throw new PyException('AttributeError', `'${pyTypeName(mentions)}' object has no attribute 'extend'`);
      if (Array.isArray(x.mentioned_usernames)) mentions.push(...x.mentioned_usernames);
      else if (typeof x.mentioned_usernames === 'string') mentions.push(...x.mentioned_usernames);
      else throw new PyException('TypeError', `'${pyTypeName(x.mentioned_usernames)}' object is not iterable`);
      return new Map([['mention_status', 'Users mentioned successfully']]);
    });
    this.def('follow_user(username_to_follow)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please authenticate before following.');
      if (pyIn(x.username_to_follow, this.followingList)) return new Map([['follow_status', false]]);
      this.followingList.push(x.username_to_follow);
      return new Map([['follow_status', true]]);
    });
    this.def('list_all_following()', () => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please authenticate before listing following.');
      return new Map([['following_list', this.followingList]]);
    });
    this.def('unfollow_user(username_to_unfollow)', (x) => {
      if (!truthy(this.authenticated)) return err('User not authenticated. Please authenticate before unfollowing.');
      const idx = this.followingList.findIndex((u) => u === x.username_to_unfollow);
      if (idx < 0) return new Map([['unfollow_status', false]]);
      this.followingList.splice(idx, 1);
      return new Map([['unfollow_status', true]]);
    });
    this.def('get_tweet(tweet_id)', (x) => {
      const k = key(x.tweet_id);
      if (!this.tweets.has(k)) return err(`Tweet with ID ${x.tweet_id} not found.`);
      return this.tweets.get(k);
    });
    this.def('get_user_tweets(username)', (x) => [...this.tweets.values()].filter((t) => (t as PyDict).get('username') === x.username));
    this.def('search_tweets(keyword)', (x) => {
      const kw = reqStr(x.keyword, 'lower').toLowerCase();
      return [...this.tweets.values()].filter((t) => {
        const tw = t as PyDict;
        return reqStr(tw.get('content'), 'lower').toLowerCase().includes(kw) || ((tw.get('tags') as unknown[]) ?? []).some((tag) => reqStr(tag, 'lower').toLowerCase() === kw);
      });
    });
    this.def('get_tweet_comments(tweet_id)', (x) => {
      const k = key(x.tweet_id);
      if (!this.tweets.has(k)) return err(`Tweet with ID ${x.tweet_id} not found.`);
      return this.comments.has(k) ? this.comments.get(k) : [];
    });
    this.def('get_user_stats(username)', (x) => {
      const tweetCount = [...this.tweets.values()].filter((t) => (t as PyDict).get('username') === x.username).length;
      const followingCount = x.username === this.username ? this.followingList.length : 0;
      const rt = this.retweets.get(key(x.username));
      return new Map([
        ['tweet_count', tweetCount],
        ['following_count', followingCount],
        ['retweet_count', Array.isArray(rt) ? rt.length : 0],
      ]);
    });
  }

  load(config: PyDict): void {
    this.username = cfg(config, 'username', 'john');
    this.password = cfg(config, 'password', 'john123');
    this.authenticated = cfg(config, 'authenticated', false);
    const tweets = cfg<PyDict>(config, 'tweets', new Map());
    // "Convert tweet keys from string to int from loaded scenario"
    this.tweets = new Map();
    for (const [k, v] of tweets) {
      const n = Number(k);
      if (!/^\s*[+-]?\d+\s*$/.test(String(k))) throw new PyException('ValueError', `invalid literal for int() with base 10: '${k}'`);
      this.tweets.set(n, v);
    }
    this.comments = cfg(config, 'comments', new Map());
    this.retweets = cfg(config, 'retweets', new Map());
    this.followingList = cfg(config, 'following_list', ['alice', 'bob']);
    this.tweetCounter = cfg(config, 'tweet_counter', 0);
  }

  state(): [string, unknown][] {
    return [
      ['username', this.username],
      ['password', this.password],
      ['authenticated', this.authenticated],
      ['tweets', this.tweets],
      ['comments', this.comments],
      ['retweets', this.retweets],
      ['following_list', this.followingList],
      ['tweet_counter', this.tweetCounter],
    ];
  }
}
