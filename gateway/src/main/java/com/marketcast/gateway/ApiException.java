package com.marketcast.gateway;

/**
 * A request the gateway refuses, with the HTTP status and a short machine-readable code; the
 * gateway answers it as {@code {"error":code,"message":...}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String code;

    public ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "bad_request", message);
    }

    public static ApiException unauthorized(String message) {
        return new ApiException(401, "unauthorized", message);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "forbidden", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }
}
