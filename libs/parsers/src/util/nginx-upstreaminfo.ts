import { compileLogFormat } from '../nginx-log-format';

/**
 * The ingress-nginx controller's default access-log format, `upstreaminfo`
 * (https://kubernetes.github.io/ingress-nginx/user-guide/nginx-configuration/log-format/):
 * `combined` followed by `$request_length $request_time [$proxy_upstream_name]
 * [$proxy_alternative_upstream_name] $upstream_addr $upstream_response_length
 * $upstream_response_time $upstream_status $req_id`. Read by the `ingress-nginx` format, and by the
 * `nginx` format when a user forces it on such a file.
 */
export const UPSTREAMINFO = compileLogFormat(
  "log_format upstreaminfo '$remote_addr - $remote_user [$time_local] \"$request\" $status $body_bytes_sent \"$http_referer\" " +
    "\"$http_user_agent\" $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name] " +
    "$upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id';",
);

/** What follows `"$http_user_agent"` in an upstreaminfo line: `$request_length $request_time [`. */
export const UPSTREAMINFO_TAIL = /^ \d+ [\d.-]+ \[/;
