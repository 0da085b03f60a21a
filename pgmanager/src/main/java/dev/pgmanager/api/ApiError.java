package dev.pgmanager.api;

/**
 * Ends the handling of a request with a ready answer (bad input, missing credentials) from wherever it is found.
 * It is an answer, not a fault, so it carries no stack trace.
 */
final class ApiError extends RuntimeException {
    private final transient ApiResponse response;

    ApiError(ApiResponse response) {
        super(response.body().path("error").asText(), null, false, false);
        this.response = response;
    }

    static ApiError of(int status, String message) {
        return new ApiError(ApiResponse.error(status, message));
    }

    static ApiError badRequest(String message) {
        return of(400, message);
    }

    ApiResponse response() {
        return response;
    }
}
